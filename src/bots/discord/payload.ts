/**
 * The parts of Discord's raw interaction payload the bot reads, and their translation into our terms.
 * Raw payloads (not discord.js objects) are what both ways in share: the gateway's INTERACTION_CREATE
 * dispatch and the HTTP interactions endpoint deliver the same JSON.
 */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { Actor } from '../../commands/context.ts';
import { FLUX_OPTIONS } from '../../commands/flux/definition.ts';
import type { Reference, RequestInput } from '../../core/request.ts';

export interface RawAttachment {
  id: string;
  filename: string;
  url: string;
  size?: number;
  content_type?: string;
  width?: number | null;
  height?: number | null;
}

interface RawUser {
  id: string;
  username: string;
  global_name?: string | null;
}

export interface RawOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
}

export interface RawInteraction {
  id: string;
  application_id: string;
  type: number;
  token: string;
  guild_id?: string;
  channel_id?: string;
  channel?: { id: string; type: number };
  member?: { user: RawUser; nick?: string | null; permissions?: string };
  user?: RawUser;
  attachment_size_limit?: number;
  /** The invoking member's client language (every interaction but a ping), e.g. `zh-CN`. */
  locale?: string;
  /** The server's preferred language (guild interactions only). */
  guild_locale?: string;
  data?: {
    name?: string;
    type?: number;
    options?: RawOption[];
    target_id?: string;
    custom_id?: string;
    components?: Array<{
      components?: Array<{ custom_id: string; value?: string }>;
      component?: { custom_id: string; value?: string };
    }>;
    resolved?: {
      attachments?: Record<string, RawAttachment>;
      messages?: Record<string, { id: string; attachments?: RawAttachment[] }>;
    };
  };
}

export function actorOf(raw: RawInteraction): Actor {
  const user = raw.member?.user ?? raw.user ?? { id: 'unknown', username: 'someone' };
  const perms = raw.member?.permissions ? BigInt(raw.member.permissions) : 0n;
  return {
    id: user.id,
    name: raw.member?.nick ?? user.global_name ?? user.username,
    isAdmin: (perms & (PermissionFlagsBits.Administrator | PermissionFlagsBits.ManageMessages)) !== 0n,
    canConfigure: (perms & (PermissionFlagsBits.Administrator | PermissionFlagsBits.ManageGuild)) !== 0n,
    ...(raw.locale ? { locale: raw.locale } : {}),
  };
}

/** Option kinds come from the one definition, so a new option needs no change here. */
const KIND = new Map(FLUX_OPTIONS.map((o) => [o.name as string, o.kind]));

/** /flux options as loose input; attachments become URL references with their metadata. */
export function optionsToInput(raw: RawInteraction): RequestInput {
  const input: RequestInput = {};
  const references: Reference[] = [];
  for (const option of raw.data?.options ?? []) {
    const kind = KIND.get(option.name);
    if (kind === 'boolean' && typeof option.value === 'boolean') {
      (input as Record<string, unknown>)[option.name] = option.value;
    } else if ((kind === 'string' || kind === 'integer' || kind === 'number') && option.value !== undefined) {
      (input as Record<string, unknown>)[option.name] =
        typeof option.value === 'boolean' ? String(option.value) : option.value;
    } else if (kind === 'attachment') {
      const attachment = raw.data?.resolved?.attachments?.[String(option.value)];
      if (attachment) references.push(toReference(attachment));
    }
  }
  if (references.length) input.references = references;
  return input;
}

export function toReference(a: RawAttachment): Reference {
  const ref: Reference = { kind: 'url', url: a.url, name: a.filename };
  if (a.content_type) ref.contentType = a.content_type;
  if (a.size !== undefined) ref.bytes = a.size;
  if (a.width) ref.width = a.width;
  if (a.height) ref.height = a.height;
  return ref;
}

/** A submitted modal's text inputs by custom_id. */
export function modalValues(raw: RawInteraction): Record<string, string> {
  const values: Record<string, string> = {};
  for (const row of raw.data?.components ?? []) {
    for (const c of [...(row.components ?? []), ...(row.component ? [row.component] : [])])
      values[c.custom_id] = c.value ?? '';
  }
  return values;
}
