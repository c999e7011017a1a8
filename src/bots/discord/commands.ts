/**
 * Discord's command JSON, derived from the command table and the one /flux option definition: nothing
 * here restates a name, a description or a limit.
 */
import { REST } from 'discord.js';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPutAPIApplicationCommandsJSONBody,
  Routes,
} from 'discord-api-types/v10';
import { COMMANDS } from '../../commands/commands.ts';
import { FLUX_OPTIONS, type OptionKind } from '../../commands/flux/definition.ts';

export const FLUX_COMMAND = COMMANDS.flux.data.name;
export const EDIT_COMMAND = 'Edit with FLUX';
export const USAGE_COMMAND = COMMANDS['flux-usage'].data.name;
export const ADMIN_COMMAND = COMMANDS['flux-admin'].data.name;
export const SHOW_COMMAND = COMMANDS['flux-show'].data.name;
export const HISTORY_COMMAND = COMMANDS['flux-history'].data.name;

const TYPES: Record<OptionKind, ApplicationCommandOptionType> = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  number: ApplicationCommandOptionType.Number,
  boolean: ApplicationCommandOptionType.Boolean,
  attachment: ApplicationCommandOptionType.Attachment,
};

export function buildCommands(): RESTPutAPIApplicationCommandsJSONBody {
  const options = FLUX_OPTIONS.map((o) => {
    const option: Record<string, unknown> = {
      type: TYPES[o.kind],
      name: o.name,
      description: o.description.slice(0, 100),
    };
    if (o.required) option.required = true;
    if (o.choices) option.choices = o.choices.map((c) => ({ name: c, value: c }));
    if (o.autocomplete) option.autocomplete = true;
    if (o.min !== undefined) option.min_value = o.min;
    if (o.max !== undefined) option.max_value = o.max;
    if (o.name === 'prompt') option.max_length = 4000;
    return option;
  });
  const contexts = [InteractionContextType.Guild, InteractionContextType.BotDM];
  return [
    {
      type: ApplicationCommandType.ChatInput,
      name: FLUX_COMMAND,
      description: COMMANDS.flux.data.description,
      options,
      contexts,
      integration_types: [ApplicationIntegrationType.GuildInstall],
    },
    {
      type: ApplicationCommandType.Message,
      name: EDIT_COMMAND,
      contexts,
      integration_types: [ApplicationIntegrationType.GuildInstall],
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: USAGE_COMMAND,
      description: COMMANDS['flux-usage'].data.description,
      contexts,
      integration_types: [ApplicationIntegrationType.GuildInstall],
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: SHOW_COMMAND,
      description: COMMANDS['flux-show'].data.description,
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'id',
          description: 'The job id on a result, e.g. #ab12cd34',
          required: true,
          max_length: 40,
        },
      ],
      contexts,
      integration_types: [ApplicationIntegrationType.GuildInstall],
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: HISTORY_COMMAND,
      description: COMMANDS['flux-history'].data.description,
      contexts,
      integration_types: [ApplicationIntegrationType.GuildInstall],
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: ADMIN_COMMAND,
      description: COMMANDS['flux-admin'].data.description,
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'command',
          description: 'e.g. show · budget user day $1 · models pro,klein-4b',
          required: false,
        },
      ],
      // Discord hides /flux-admin from others; server admins can override that, so it is checked again.
      default_member_permissions: String(PermissionFlagsBits.ManageGuild),
      contexts: [InteractionContextType.Guild],
      integration_types: [ApplicationIntegrationType.GuildInstall],
    },
  ] as RESTPutAPIApplicationCommandsJSONBody;
}

/** PUTs the whole list (global, or one guild for instant testing). */
export async function registerCommands(config: {
  token: string;
  applicationId: string;
  guildId?: string;
  apiBase: string;
}): Promise<{ route: string; names: string[] }> {
  const rest = new REST({ api: config.apiBase }).setToken(config.token);
  const route = config.guildId
    ? Routes.applicationGuildCommands(config.applicationId, config.guildId)
    : Routes.applicationCommands(config.applicationId);
  const saved = (await rest.put(route, { body: buildCommands() })) as Array<{ name: string }>;
  return { route, names: saved.map((c) => c.name) };
}
