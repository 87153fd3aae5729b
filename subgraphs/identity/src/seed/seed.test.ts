import type { Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { seedDemo } from './seed.service';

describe('demo seed safety', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  test('in production the seed refuses to use the default development password', async () => {
    process.env.NODE_ENV = 'production';
    delete process.env.PLATFORM_ADMIN_PASSWORD;
    delete process.env.DEMO_ADMIN_PASSWORD;
    await expect(seedDemo({} as Orm, {} as Outbox)).rejects.toThrow(/PLATFORM_ADMIN_PASSWORD/);
  });

  test('a seed password from the environment must still be at least 10 characters', async () => {
    process.env.PLATFORM_ADMIN_PASSWORD = 'short';
    await expect(seedDemo({} as Orm, {} as Outbox)).rejects.toThrow(/at least 10/);
  });
});
