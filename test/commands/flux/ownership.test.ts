import { describe, expect, it } from 'vitest';
import type { Actor, CommandContext } from '../../../src/commands/context.ts';
import { belongsTo, jobForActor, mayManage } from '../../../src/commands/flux/ownership.ts';
import type { JobOrigin, JobView } from '../../../src/core/job-types.ts';
import { request } from '../../support/core.ts';

function job(origin: Partial<JobOrigin> = {}): JobView {
  return {
    id: 'j1',
    state: 'queued',
    request: request({ prompt: 'a secret fox' }),
    origin: { platform: 'slack', userId: 'U_ANA', workspaceId: 'T_A', channelId: 'C1', ...origin },
    delivery: {},
    estimateMicros: 30_000,
    createdAt: 0,
    tasks: [],
  };
}

type Where = Pick<CommandContext, 'platform' | 'actor' | 'workspaceId' | 'channelId'>;
function where(actor: Partial<Actor>, at: Partial<Omit<Where, 'actor'>> = {}): Where {
  const w: Where = {
    platform: 'slack',
    actor: { id: 'U_BOB', name: 'Bob', isAdmin: false, ...actor },
    workspaceId: 'T_A',
    channelId: 'C1',
    ...at,
  };
  return w;
}

const store = (j: JobView) => ({ get: async (id: string) => (id === j.id ? j : undefined) });

describe('jobForActor', () => {
  it('gives the job to anyone in its own workspace', async () => {
    expect((await jobForActor(store(job()), 'j1', where({}))).id).toBe('j1');
  });

  it('answers a job of another workspace exactly like an id that does not exist', async () => {
    const elsewhere = await caught(
      jobForActor(store(job()), 'j1', where({ isAdmin: true }, { workspaceId: 'T_B' })),
    );
    const missing = await caught(jobForActor(store(job()), 'nope', where({})));
    expect(elsewhere).toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(missing).toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(elsewhere?.message).not.toContain('T_A');
  });

  it('hides a job of another platform even when the workspace id is the same', async () => {
    await expect(
      jobForActor(store(job()), 'j1', { ...where({ id: 'U_ANA' }), platform: 'discord' }),
    ).rejects.toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
  });

  it('hides a job made in a workspace from a context that has none (a DM)', () => {
    expect(belongsTo(job(), where({ id: 'U_ANA' }, { workspaceId: undefined }))).toBe(false);
  });
});

describe('a job made outside any workspace (a Discord DM)', () => {
  const dm = job({ platform: 'discord', userId: 'ana', workspaceId: undefined, channelId: 'DM1' });
  const inDm = (actor: Partial<Actor>, channelId: string, workspaceId?: string) => ({
    ...where(actor, { channelId, workspaceId }),
    platform: 'discord' as const,
  });

  it('stays usable in its own DM by its requester', () => {
    expect(belongsTo(dm, inDm({ id: 'ana' }, 'DM1'))).toBe(true);
    expect(mayManage(dm, inDm({ id: 'ana' }, 'DM1'))).toBe(true);
  });

  it('is somewhere else from another DM or from any server', () => {
    expect(belongsTo(dm, inDm({ id: 'bob' }, 'DM2'))).toBe(false);
    expect(belongsTo(dm, inDm({ id: 'bob', isAdmin: true }, 'DM1', 'G1'))).toBe(false);
  });

  it('has no admin: an admin flag does not let another person manage it', () => {
    expect(mayManage(dm, inDm({ id: 'bob', isAdmin: true }, 'DM1'))).toBe(false);
  });
});

describe('mayManage', () => {
  it('lets the requester and an admin of the job’s workspace manage it', () => {
    expect(mayManage(job(), where({ id: 'U_ANA' }))).toBe(true);
    expect(mayManage(job(), where({ isAdmin: true }))).toBe(true);
    expect(mayManage(job(), where({ isAdmin: false }))).toBe(false);
  });

  it('never counts the admin rights of another workspace', () => {
    expect(mayManage(job(), where({ isAdmin: true }, { workspaceId: 'T_B' }))).toBe(false);
  });

  it('does not let a guest admin from a shared channel manage, nor even see, the host workspace’s jobs', () => {
    // Slack Connect: the interaction runs in the host team T_A, but the member's admin rights are T_B's.
    const guest = where({ isAdmin: true, workspaceId: 'T_B' });
    expect(mayManage(job(), guest)).toBe(false);
    expect(belongsTo(job(), guest)).toBe(false);
  });

  it('keeps a guest’s own job theirs in a shared channel', () => {
    const guest = where({ id: 'U_ANA', workspaceId: 'T_B' });
    expect(belongsTo(job(), guest)).toBe(true);
    expect(mayManage(job(), guest)).toBe(true);
  });
});

/** What `p` rejected with; undefined when it resolved. */
function caught(p: Promise<unknown>): Promise<(Error & { code?: string }) | undefined> {
  return p.then(
    () => undefined,
    (err: unknown) => err as Error & { code?: string },
  );
}
