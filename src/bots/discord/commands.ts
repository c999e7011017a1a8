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
import type { CommandName } from '../../commands/command.ts';
import { COMMANDS } from '../../commands/commands.ts';
import { describeOption, FLUX_OPTIONS, type OptionKind } from '../../commands/flux/definition.ts';
import { helpTexts } from '../../commands/flux/help-texts.ts';
import type { Locale } from '../../commands/i18n/locale.ts';
import { optionNames } from './command-names.ts';

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

/** Discord's tags for our Chinese locales (its own list: `zh-CN`, `zh-TW`). */
const DISCORD_LOCALES = { 'zh-CN': 'zh-Hans', 'zh-TW': 'zh-Hant' } as const satisfies Record<string, Locale>;

/** `{ 'zh-CN': …, 'zh-TW': … }` from a text per locale: what `*_localizations` take. */
function localized(text: (locale: Locale) => string, max = 100): Record<string, string> {
  return Object.fromEntries(
    Object.entries(DISCORD_LOCALES).map(([tag, locale]) => [tag, text(locale).slice(0, max)]),
  );
}

export function buildCommands(): RESTPutAPIApplicationCommandsJSONBody {
  const options = FLUX_OPTIONS.map((o) => {
    const option: Record<string, unknown> = {
      type: TYPES[o.kind],
      name: o.name,
      // Discord still sends the option's own name in the interaction: a localized name is display only.
      name_localizations: localized((l) => optionNames(l)[o.name], 32),
      description: o.description.slice(0, 100),
      description_localizations: localized((l) => describeOption(o, l)),
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
  /** A slash command as the table describes it, in every language; `extra` adds options and limits. */
  const slashCommand = (name: CommandName, describe: (l: Locale) => string, extra: object = {}) => ({
    type: ApplicationCommandType.ChatInput,
    name,
    description: COMMANDS[name].data.description,
    description_localizations: localized(describe),
    contexts,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    ...extra,
  });
  return [
    slashCommand(FLUX_COMMAND, (l) => helpTexts(l).flux, { options }),
    {
      type: ApplicationCommandType.Message,
      name: EDIT_COMMAND,
      name_localizations: localized((l) => helpTexts(l).edit, 32),
      contexts,
      integration_types: [ApplicationIntegrationType.GuildInstall],
    },
    slashCommand(USAGE_COMMAND, (l) => helpTexts(l).usage_),
    slashCommand(SHOW_COMMAND, (l) => helpTexts(l).show, {
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'id',
          description: helpTexts('en').showId,
          description_localizations: localized((l) => helpTexts(l).showId),
          required: true,
          max_length: 40,
        },
      ],
    }),
    slashCommand(HISTORY_COMMAND, (l) => helpTexts(l).history),
    slashCommand(ADMIN_COMMAND, (l) => helpTexts(l).admin, {
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'command',
          name_localizations: localized((l) => optionNames(l).command, 32),
          description: helpTexts('en').adminCommand,
          description_localizations: localized((l) => helpTexts(l).adminCommand),
          required: false,
        },
      ],
      // Discord hides /flux-admin from others; server admins can override that, so it is checked again.
      default_member_permissions: String(PermissionFlagsBits.ManageGuild),
      contexts: [InteractionContextType.Guild],
    }),
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
