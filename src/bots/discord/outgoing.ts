/**
 * Nothing the bot sends may notify anyone it did not mean to. A prompt such as `hi @everyone <@&role>`
 * ends up in a card; without `allowed_mentions` Discord would ping the whole server. So every message
 * body is given `allowed_mentions: { parse: [] }` here, at the two doors all of them pass through —
 * the REST client (rest.ts: posts, edits, follow-ups, webhooks, gateway-mode callbacks) and the first
 * response of an interaction (handler.ts: HTTP-mode answers) — instead of in each payload, where a new
 * one could forget it. The one exception is the bot's own mention of a requester on their failure: a
 * body that names a user in `allowed_mentions.users` *and* mentions `<@id>` in its content keeps that
 * one user, with `parse: []`; anything else it names (roles, everyone, more users) is dropped.
 */
import { type InternalRequest, RequestMethod } from 'discord.js';
import { InteractionResponseType } from 'discord-api-types/v10';

export const NO_PINGS = Object.freeze({ parse: [] as string[] });

/** Message creation and edits: channel messages, webhook (follow-up) messages, `@original`. */
const MESSAGE_ROUTE = /^\/(?:channels\/\d+\/messages(?:\/\d+)?|webhooks\/\d+\/[^/]+(?:\/messages\/[^/]+)?)$/;
const CALLBACK_ROUTE = /^\/interactions\/\d+\/[^/]+\/callback$/;
/** Interaction responses that carry a message. */
const MESSAGE_RESPONSES = new Set<number>([
  InteractionResponseType.ChannelMessageWithSource,
  InteractionResponseType.UpdateMessage,
]);

type Body = Record<string, unknown>;

const isBody = (b: unknown): b is Body => typeof b === 'object' && b !== null && !Array.isArray(b);

function withMentions(body: Body): Body {
  return { ...body, allowed_mentions: requesterMention(body) ?? NO_PINGS };
}

/** The single user a body both names in allowed_mentions and mentions in its own content, if any. */
function requesterMention(body: Body): { parse: string[]; users: string[] } | undefined {
  const named = isBody(body.allowed_mentions) ? body.allowed_mentions.users : undefined;
  const content = typeof body.content === 'string' ? body.content : '';
  const user = Array.isArray(named)
    ? named.find((u) => typeof u === 'string' && /^\d{1,20}$/.test(u) && content.includes(`<@${u}>`))
    : undefined;
  return typeof user === 'string' ? { parse: [], users: [user] } : undefined;
}

/** An interaction response (`{ type, data }`) whose message, if it has one, pings nobody. */
export function quietResponse<T>(response: T): T {
  if (!isBody(response) || !MESSAGE_RESPONSES.has(Number(response.type))) return response;
  return { ...response, data: withMentions(isBody(response.data) ? response.data : {}) } as T;
}

/** A REST request whose message body, if it sends one, pings nobody. */
export function quietRequest(request: InternalRequest): InternalRequest {
  if (request.method !== RequestMethod.Post && request.method !== RequestMethod.Patch) return request;
  const route = request.fullRoute.split('?')[0] ?? '';
  if (MESSAGE_ROUTE.test(route)) {
    return { ...request, body: withMentions(isBody(request.body) ? request.body : {}) };
  }
  if (CALLBACK_ROUTE.test(route)) return { ...request, body: quietResponse(request.body) };
  return request;
}
