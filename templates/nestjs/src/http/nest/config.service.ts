import type { Config } from '../../core/config';

/**
 * The configuration as a Nest provider, in @nestjs/config's shape: inject `ConfigService` and
 * read `config.get('corsOrigins')`, typed. The values are those src/core/config.ts checked at boot
 * (a bad or missing variable stops the process before any module loads), so `get` never fails.
 */
export class ConfigService {
  constructor(private readonly values: Config) {}

  get<K extends keyof Config>(key: K): Config[K] {
    return this.values[key];
  }
}
