/**
 * The CommandContext port: all a command knows of the platform it runs on. Bot adapters implement it
 * (src/bots/discord, src/bots/slack, the CLI); every implementation passes the same contract suite
 * (test/commands/context-contract.ts). Content here is platform-neutral: the adapter renders it as
 * Discord embeds/components or Slack blocks.
 */
import type { Platform } from '../core/job-types.ts';
import type { Reference } from '../core/request.ts';
import type { Locale } from './i18n/locale.ts';

export interface Actor {
  id: string;
  name: string;
  /** May manage other members' jobs (Discord: Manage Messages; Slack: workspace admin/owner). */
  isAdmin: boolean;
  /** May change the server's settings and budgets (Discord: Manage Server; Slack: admin, owner or allow-listed). */
  canConfigure?: boolean;
  /**
   * The member's own workspace, where `isAdmin` holds, when it can differ from where they act (Slack
   * Connect: a member of another workspace in a shared channel). Absent: the context's workspace.
   */
  workspaceId?: string;
  /** The member's language as their platform reports it (a BCP 47 tag: Discord `zh-CN`, Slack `zh-TW`). */
  locale?: string;
}

export type ButtonAction =
  | 'cancel'
  | 'reroll'
  | 'remix'
  | 'use-ref'
  | 'delete'
  | 'confirm'
  | 'retry'
  | 'final';

/**
 * A button carries only `action:jobId` on the wire (and, for one image of several, its index);
 * everything else is looked up in the store.
 */
export interface Button {
  action: ButtonAction;
  jobId: string;
  /** The one image (0-based task index) it acts on; absent: the whole job. Adapters give each action's
   * per-image buttons a row of their own. */
  index?: number;
  label: string;
  style?: 'primary' | 'secondary' | 'danger';
}

export interface Field {
  label: string;
  value: string;
  /** Shown in a monospace block so it copies cleanly on mobile (seed, size). */
  code?: boolean;
  /** What the field is, whatever language its label is in (adapters lay out the prompt and cost apart). */
  key?: 'prompt' | 'cost' | 'references';
}

/** The public status card of a job. */
export interface Card {
  /** e.g. "Ana asked for" */
  title: string;
  /** Who asked (their platform id): a platform that shows a member by id, with their current name, may. */
  requesterId?: string;
  prompt: string;
  fields: Field[];
  /** The live line: "Queued · #3 in line", "Generating · 4 s", "Uploading". */
  status: string;
  buttons: Button[];
  /**
   * When set, the card collapses to this line ("Done in 8.2 s · $0.045") with its fields (if any) as a
   * compact row and its link.
   */
  summary?: string;
  /** Where the result is (the thread, or the result message): a link the platform made, never user text. */
  link?: Link;
  /** What this job came from (a reroll, remix or retry of an earlier image), with a link to it when known. */
  from?: { text: string; url?: string };
  /**
   * A failed job: its own look (red, ⚠️) and a mention of its requester — the only ping the bot makes.
   * `text` says what happened, whether it was charged and what to do.
   */
  failure?: { requesterId: string; text: string };
  /** The job's last word on this card (done, failed, cancelled …): adapters send it at once, never coalesced. */
  final: boolean;
  /**
   * A passing state (a place in line) that may stop being true before the edit goes out: adapters ask
   * just before sending and drop it when false. Another process may have started the job meanwhile, and
   * its "generating" must not be overwritten by a place this process was holding back.
   */
  current?: () => boolean | Promise<boolean>;
  /** The language of the card's own words (the requester's); adapters' labels follow it. Default English. */
  locale?: Locale;
}

export interface OutputImage {
  /** File name with extension, e.g. "flux-1234.png". */
  name: string;
  data: Buffer;
  contentType: string;
  /** What the image shows, for a screen reader (a chart's numbers); absent: its name says enough. */
  alt?: string;
}

export interface Link {
  label: string;
  url: string;
}

/** Images and their details, posted in the job's thread. */
export interface ResultPost {
  /** The job these are the result of: what a retry (or the platform) recognises an earlier post by. */
  jobId: string;
  images: OutputImage[];
  fields: Field[];
  /** Extra lines: a smaller copy was sent, an image was moderated, a budget warning. */
  notes: string[];
  buttons: Button[];
  /** The language of the post (the requester's); adapters' labels follow it. Default English. */
  locale?: Locale;
}

/**
 * What postResult posted: one reference per uploaded image, for "Use as reference" later — a link, or
 * whatever names the file to this platform's resolveReferences (Slack: the file id, read via files.info).
 */
export interface PostedResult {
  imageUrls: string[];
  /** A link to where the result is (the thread, else the result message), when the platform has one. */
  link?: Link;
}

/**
 * One part of a posted result the platform would not delete, and what it said: put in words for the
 * member, in their language, by the command ("an image (Slack said: cant_delete_file)").
 */
export interface RemoveFailure {
  /** Discord's result message, Slack's details message, or one of Slack's image files. */
  part: 'result' | 'details' | 'image';
  /** The platform's own answer (`cant_delete_file`, `Missing Permissions (403)`); absent: none in time. */
  said?: string;
  /** Not tried: the platform has not yet said where the part is (Slack lists a share a moment late). */
  unlisted?: true;
}

/** What a deletion could not do. */
export interface RemoveOutcome {
  failures: RemoveFailure[];
}

/** A form (Discord modal, Slack modal view) with fields prefilled; submitted back as `flux` input. */
export interface Form {
  /** Round-trips to the submission handler (e.g. "remix:<jobId>" or "edit:<messageRef>"). */
  id: string;
  title: string;
  fields: Array<{
    name: string;
    label: string;
    value?: string;
    multiline?: boolean;
    required?: boolean;
    placeholder?: string;
    /**
     * Choosing a value changes the form (which fields it has, its note): a platform that can redraw an
     * open form asks for it again with what was entered (Commands.formView; Slack), one that cannot
     * (Discord) ignores it.
     */
    refreshes?: boolean;
    /**
     * Only these of the option's own values are offered (the models this workspace allows), where the
     * platform shows the field as a pick.
     */
    choices?: readonly string[];
  }>;
  /** A line of plain text shown with the fields (the estimate), where the platform can show one. */
  note?: string;
  /** The language of the form (its buttons, the adapter's own words). Default English. */
  locale?: Locale;
}

export interface CommandContext {
  readonly platform: Platform;
  readonly actor: Actor;
  /** Where the command ran (guild/team and channel), as the jobs layer records it. */
  readonly workspaceId?: string;
  readonly channelId?: string;
  /**
   * A message only the actor sees (ephemeral), with optional images and buttons. Validation errors,
   * refusals, usage, confirmations. `text` is written with `**bold**` and code spans only; each adapter
   * renders that in its platform's own markup (Slack: `*bold*`), and member input stays in code spans.
   */
  replyPrivate(text: string, images?: OutputImage[], buttons?: Button[]): Promise<void>;
  /**
   * Takes what the stored delivery record knows and this context does not yet — where several processes
   * share a job, the card another process posted. Optional: where the card exists from the start
   * (Discord's interaction response) there is nothing to learn.
   */
  adopt?(delivery: Record<string, unknown>): void;
  /** First call posts the public card; later calls edit it. Adapters throttle edits to platform limits. */
  showCard(card: Card): Promise<void>;
  /**
   * Posts in the job's thread, named after `threadName`, created on the first call. Where a thread cannot
   * be made (DM, missing permission, already in a thread) posts right under the card instead.
   * Exactly once per job: `checkpoint` is called with `delivery()` after each step (thread made, files
   * uploaded, message posted) and before a post whose answer could be lost, to be stored with the job; a
   * context rebuilt from it (a retry, a restart) resumes after the last step, and asks the platform about
   * a post whose answer never came instead of posting it again. What is only read back after the post
   * (where it landed, its link) is left for the caller, who stores `delivery()` with the result at once. Throws FluxError CHANNEL_UNAVAILABLE when
   * the place is closed to the bot (removed from the channel, channel gone, thread locked).
   */
  postResult(
    post: ResultPost,
    threadName: string,
    checkpoint?: (delivery: Record<string, unknown>) => Promise<void>,
  ): Promise<PostedResult>;
  /**
   * Deletes what postResult posted for this job (the Delete button). Resolves with what the platform
   * refused (empty when it confirmed every deletion); what was deleted is not tried again.
   */
  removeResult(): Promise<RemoveOutcome>;
  /**
   * Tells the requester privately when the job's place is closed to the bot: through the interaction
   * while it is valid (Slack response_url, Discord follow-up), else a direct message — with the images
   * where that route takes files. Never throws; says what reached them.
   */
  tellRequester(text: string, images: OutputImage[]): Promise<{ told: boolean; imagesSent: boolean }>;
  /**
   * Turns `--ref` values or stored result links into references the provider can use: public URLs stay
   * URLs; platform-private files (Slack `url_private`) are downloaded with the bot token, only from the
   * platform's own hosts, and become bytes; the CLI reads paths. Throws ValidationError REFERENCE_INVALID.
   */
  resolveReferences(refs: string[]): Promise<Reference[]>;
  /** Opens a form (needs a fresh interaction/trigger: only from a command, button or shortcut). */
  openForm(form: Form): Promise<void>;
  /** JSON the adapter needs to rebuild this context after a restart (card ids, thread, tokens' expiry). */
  delivery(): Record<string, unknown>;
}

/** Rebuilds a context for a stored job, for events that arrive after the interaction is gone. */
export interface ContextFactory {
  restore(delivery: Record<string, unknown>, actor: Actor): CommandContext;
}
