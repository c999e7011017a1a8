/**
 * The FLUX.2 catalog: what each model is called by users, where it lives on the BFL API, which request
 * schema it speaks and what it accepts. Families decide which optional fields exist (see bfl-api.md).
 */

export type ModelFamily = 'pro' | 'flex' | 'klein';
export type ModelId = 'pro' | 'max' | 'flex' | 'klein-4b' | 'klein-9b';

export interface ModelInfo {
  id: ModelId;
  /** Human label for menus and details blocks. */
  label: string;
  /** Path segment under /v1/ on the BFL API (overridable, e.g. to a `-preview` alias). */
  path: string;
  family: ModelFamily;
  maxReferences: number;
  /** Longest side accepted, when the provider's wire format caps it (the seed's gateway: 2048). */
  maxSide?: number;
  /** Whether `steps`/`guidance` are accepted (flex only). */
  tunable: boolean;
  /** Whether prompt upsampling can be switched (pro/max via disable_pup, flex via prompt_upsampling). */
  upsampling: 'disable_pup' | 'prompt_upsampling' | 'none';
  /** Typical generation time, used for the status card's estimate and for poll pacing. */
  typicalMs: number;
}

export const MODEL_IDS: readonly ModelId[] = ['pro', 'max', 'flex', 'klein-4b', 'klein-9b'];
export const DEFAULT_MODEL: ModelId = 'pro';

const BASE: Record<ModelId, ModelInfo> = {
  pro: {
    id: 'pro',
    label: 'FLUX.2 [pro]',
    path: 'flux-2-pro',
    family: 'pro',
    maxReferences: 8,
    tunable: false,
    upsampling: 'disable_pup',
    typicalMs: 8_000,
  },
  max: {
    id: 'max',
    label: 'FLUX.2 [max]',
    path: 'flux-2-max',
    family: 'pro',
    maxReferences: 8,
    tunable: false,
    upsampling: 'disable_pup',
    typicalMs: 12_000,
  },
  flex: {
    id: 'flex',
    label: 'FLUX.2 [flex]',
    path: 'flux-2-flex',
    family: 'flex',
    maxReferences: 8,
    tunable: true,
    upsampling: 'prompt_upsampling',
    typicalMs: 20_000,
  },
  'klein-4b': {
    id: 'klein-4b',
    label: 'FLUX.2 [klein] 4B',
    path: 'flux-2-klein-4b',
    family: 'klein',
    maxReferences: 4,
    tunable: false,
    upsampling: 'none',
    typicalMs: 1_000,
  },
  'klein-9b': {
    id: 'klein-9b',
    label: 'FLUX.2 [klein] 9B',
    path: 'flux-2-klein-9b',
    family: 'klein',
    maxReferences: 4,
    tunable: false,
    upsampling: 'none',
    typicalMs: 1_500,
  },
};

export const FLEX_LIMITS = {
  steps: { min: 1, max: 50, default: 50 },
  // The schema says 5.0 and the docs 4.5: we always send it explicitly.
  guidance: { min: 1.5, max: 10, default: 4.5 },
} as const;

export type ModelCatalog = Readonly<Record<ModelId, ModelInfo>>;

/** The catalog with per-deployment path overrides (e.g. `{ pro: 'flux-2-pro-preview' }`). */
export function createCatalog(pathOverrides: Partial<Record<ModelId, string>> = {}): ModelCatalog {
  const out = {} as Record<ModelId, ModelInfo>;
  for (const id of MODEL_IDS) {
    const override = pathOverrides[id];
    out[id] = override ? { ...BASE[id], path: override } : BASE[id];
  }
  return out;
}

/**
 * The catalog as a provider can serve it: its limits (a gateway dialect's) narrow the models' own, so
 * the validator refuses what the provider would silently drop or refuse after billing.
 */
export function narrowCatalog(
  catalog: ModelCatalog,
  limits: { maxSide?: number; maxReferences?: number } | undefined,
): ModelCatalog {
  if (!limits) return catalog;
  const out = {} as Record<ModelId, ModelInfo>;
  for (const id of MODEL_IDS) {
    const m = catalog[id];
    out[id] = {
      ...m,
      maxReferences: Math.min(m.maxReferences, limits.maxReferences ?? m.maxReferences),
      ...(limits.maxSide !== undefined ? { maxSide: Math.min(limits.maxSide, m.maxSide ?? Infinity) } : {}),
    };
  }
  return out;
}

export function isModelId(value: string): value is ModelId {
  return (MODEL_IDS as readonly string[]).includes(value);
}
