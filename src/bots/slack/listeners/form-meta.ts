/** Where a form answers, kept in its view's private_metadata, and the place of a payload from the form. */
import type { Where } from './types.ts';

export interface FormMeta {
  channelId: string;
  teamId?: string;
  responseUrl?: string;
  refs?: string[];
  threadTs?: string;
}

/** The callback ids of our forms (`flux:form:<form id>`). */
export const VIEW_CALLBACKS = /^flux:form:/;

export function readMeta(raw: string | undefined): FormMeta | undefined {
  try {
    return JSON.parse(raw || '{}') as FormMeta;
  } catch {
    return undefined; // not one of our views' metadata: nothing to answer to
  }
}

/** The member who acts in the form and where the form answers them (a submission, a choice made in it). */
export function formWhere(
  meta: FormMeta,
  body: { team?: { id?: string } | null; user: { id: string; name?: string; team_id?: string } },
): Where {
  const teamId = meta.teamId ?? body.team?.id;
  return {
    ...(teamId ? { teamId } : {}),
    ...(body.user.team_id ? { userTeamId: body.user.team_id } : {}),
    channelId: meta.channelId,
    userId: body.user.id,
    ...(body.user.name ? { userName: body.user.name } : {}),
    ...(meta.responseUrl ? { responseUrl: meta.responseUrl } : {}),
    ...(meta.threadTs ? { threadTs: meta.threadTs } : {}),
  };
}
