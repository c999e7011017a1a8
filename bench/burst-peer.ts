/**
 * The other side of a platform burst, in its own process so none of its CPU counts against the bot:
 * it runs the fake BFL and the fake platform (argv: discord | slack), then fires the prepared requests
 * all at once and reports each round trip once every result has arrived.
 * Protocol: prints {"bfl", "platform": {…}} then reads one JSON line {"port", "requests": [{path, headers,
 * body}], "bind"?, "slackSecret"?} from stdin, and prints {"answers": [{status, body, ms}]} when every
 * result is delivered.
 */
import { createInterface } from 'node:readline';
import { startFakeBfl } from '../test/fakes/bfl-server.ts';
import { startFakeDiscord } from '../test/fakes/discord-server.ts';
import { startFakeSlack } from '../test/fakes/slack-server.ts';
import { until } from '../test/support/discord.ts';
import { fire } from './raw-client.ts';

const platform = process.argv[2] === 'slack' ? 'slack' : 'discord';
const bfl = await startFakeBfl({ generationMs: 200 });
const discord = platform === 'discord' ? await startFakeDiscord() : undefined;
const slack = platform === 'slack' ? await startFakeSlack() : undefined;
const info = discord
  ? { api: discord.api, token: discord.token }
  : { apiUrl: slack?.apiUrl, botToken: slack?.botToken, responseBase: slack?.base };
process.stdout.write(`${JSON.stringify({ bfl: bfl.url, platform: info })}\n`);

const delivered = () =>
  discord
    ? [...discord.messages.values()].filter((m) => m.attachments.length).length
    : [...(slack?.messages.values() ?? [])].filter((m) => m.threadTs).length;

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { port, requests, bind, slackSecret } = JSON.parse(line) as {
    port: number;
    requests: Array<{ path: string; headers: Record<string, string>; body: string }>;
    bind?: Array<[string, string]>;
    slackSecret?: string;
  };
  for (const [token, channel] of bind ?? []) discord?.bindToken(token, channel);
  // raw-client.ts: connections opened and warm, requests serialised (and signed) before the clock starts.
  const { answers } = await fire(port, requests, slackSecret ? { slackSecret } : {});
  await until(() => delivered() >= requests.length, 180_000, 'all results');
  process.stdout.write(`${JSON.stringify({ answers })}\n`);
  break;
}
await discord?.close();
await slack?.close();
await bfl.close();
