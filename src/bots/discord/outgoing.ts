/**
 * Nothing the bot sends may notify anyone it did not mean to. A prompt such as `hi @everyone <@&role>`
 * ends up in a card; without `allowed_mentions` Discord would ping the whole server. So every message
 * body is given `allowed_mentions: { parse: [] }` here, at the two doors all of them pass through —
 * the REST client (rest.ts: posts, edits, follow-ups, webhooks, gateway-mode callbacks) and the first
 * response of an interaction (handler.ts: HTTP-mode answers) — instead of in each payload, where a new
 * one could forget it. A body that names its own (say `{ users: [requesterId] }`) keeps it.
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
  return 'allowed_mentions' in body ? body : { ...body, allowed_mentions: NO_PINGS };
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
