/**
 * The provider port: one image per task. The jobs layer persists what `submit` returns before it waits,
 * so a restart can wait for the same task again instead of paying for a new one.
 */
import type { Micros } from '../pricing.ts';
import type { GenerationRequest } from '../request.ts';
import type { LatencyEstimate } from './poll-policy.ts';

/** One image of a request: the request with the seed of this image. */
export interface TaskSpec {
  request: GenerationRequest;
  /** The seed of this image (request.seed + index). */
  seed: number;
  /** Opaque end-user id (already hashed); BFL's `user` field. */
  user?: string;
}

/** What a submit returned; everything needed to wait for the task again after a restart. JSON-safe. */
export interface SubmittedTask {
  /** The provider's task id (BFL `id`); for synchronous providers, a local id. */
  taskId: string;
  /** Where to poll (BFL `polling_url`, used exactly as given). Absent for synchronous providers. */
  pollingUrl?: string;
  /** The provider's cost at submit, when it gave one. */
  costMicros?: Micros;
  /** When the provider accepted the task (ms since epoch): waits and timeouts count from here. */
  submittedAt?: number;
  inputMp?: number;
  outputMp?: number;
  /**
   * Set when the task was submitted with a webhook: the secret the provider sends back with it
   * (random per task). Stored with the task so a webhook can be checked after a restart; never logged.
   */
  webhookSecret?: string;
  /**
   * Synchronous providers (OpenAI-style gateways) answer with the image itself: its URL or bytes
   * (base64) come back here and `waitForResult` returns at once.
   */
  immediate?: { url?: string; b64?: string };
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** 0..1 when the provider reports it, plus its status word. */
  onProgress?: (update: { status: string; progress?: number }) => void;
  /** How long this kind of task usually takes; used when there is no `estimate`. */
  expectedMs?: number;
  /** Where tasks of this model complete (learned): the poller paces itself around it. */
  estimate?: LatencyEstimate;
  /**
   * Called once with a function that makes the poller look again at once (a webhook arrived). Returns
   * nothing; the poller stops listening when it resolves.
   */
  onWake?: (wake: () => void) => void;
  /**
   * Called once when the provider has said the task is done, before the image is fetched: from then on
   * the provider no longer counts it as active (its slot may take the next task). Not called when the
   * task fails. The wait goes on until the image is in hand (or fails to download).
   */
  onReady?: (info: ReadyInfo) => void;
}

/** What a wait saw when the provider said the task was done. */
export interface ReadyInfo {
  /**
   * The task was ready by this long after submit, as observed by us. Absent when the wait says nothing
   * of the model's speed (a task resumed after a restart, or found by a fallback poll long after).
   */
  generationMs?: number;
  /**
   * … and not yet ready this long after submit (0 when the first look found it ready): the time lies
   * in (generationAfterMs, generationMs]. Absent when generationMs is exact.
   */
  generationAfterMs?: number;
}

export interface ImageResult {
  /** The image, downloaded once into one buffer. */
  data: Buffer;
  contentType: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  /** The settled cost when the provider reported it (final poll), else undefined. */
  costMicros?: Micros;
}

/** What a provider accepts beyond the models' own limits; the validator applies them before anything is spent. */
export interface ProviderLimits {
  /** Longest side in pixels. */
  maxSide?: number;
  /** Reference images per request (the lower of this and the model's own limit applies). */
  maxReferences?: number;
}

export interface Provider {
  readonly name: 'bfl' | 'openai';
  /** Limits of this provider's wire format, when narrower than the models' (a gateway's dialect). */
  readonly limits?: ProviderLimits;
  /**
   * Starts a task. Retries only what surely did not start a billed task (connection refused before the
   * request was sent, or a 429). Throws ProviderError otherwise.
   */
  submit(task: TaskSpec, signal?: AbortSignal): Promise<SubmittedTask>;
  /**
   * Waits until the task is terminal and returns the downloaded image; `onReady` tells when the provider
   * stopped counting the task, before the download. Throws ProviderError with code
   * REQUEST_MODERATED / CONTENT_MODERATED (charge 'none'), TASK_FAILED, TASK_NOT_FOUND, TASK_TIMEOUT,
   * DOWNLOAD_FAILED, DOWNLOAD_TOO_LARGE, NOT_AN_IMAGE.
   */
  waitForResult(task: SubmittedTask, options?: WaitOptions): Promise<ImageResult>;
  /** Account credits in USD micros, when the provider can tell (BFL `GET /v1/credits`). */
  credits?(): Promise<Micros | undefined>;
}
