/** The image provider the configuration names: BFL's own API, or an OpenAI-compatible gateway. */
import type { Config } from './config.ts';
import type { Logger } from './core/logger.ts';
import type { createCatalog } from './core/models.ts';
import { createBflProvider } from './core/providers/bfl.ts';
import type { Http } from './core/providers/http.ts';
import { createOpenAIImagesProvider } from './core/providers/openai-images.ts';
import type { Provider } from './core/providers/types.ts';

export function createProvider(
  config: Config,
  catalog: ReturnType<typeof createCatalog>,
  http: Pick<Http, 'dispatcher' | 'links'>,
  logger: Logger,
): Provider {
  const { dispatcher, links } = http;
  if (config.provider === 'openai') {
    return createOpenAIImagesProvider({
      baseUrl: config.openaiBaseUrl as string,
      apiKey: config.openaiApiKey as string,
      dialect: config.openaiDialect,
      modelMap: config.openaiModelMap,
      catalog,
      dispatcher,
      links,
      logger,
    });
  }
  return createBflProvider({
    apiKey: config.bflApiKey as string,
    baseUrl: config.bflApiBase,
    catalog,
    dispatcher,
    logger,
    ...(config.bflWebhookUrl ? { webhookUrl: config.bflWebhookUrl } : {}),
  });
}
