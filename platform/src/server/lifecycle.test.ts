import { Lifecycle } from './lifecycle';

describe('Lifecycle', () => {
  test('stops what was started in reverse order, once', async () => {
    const stopped: string[] = [];
    const lifecycle = new Lifecycle();
    for (const name of ['orm', 'relay', 'consumer', 'server']) lifecycle.add(() => { stopped.push(name); });
    await lifecycle.stop();
    await lifecycle.stop();
    expect(stopped).toEqual(['server', 'consumer', 'relay', 'orm']);
  });

  test('a component that fails to stop does not keep the ones started before it running, and the failure is reported', async () => {
    const stopped: string[] = [];
    const lifecycle = new Lifecycle();
    lifecycle.add(async () => { stopped.push('orm'); });
    lifecycle.add(async () => { throw new Error('relay would not stop'); });
    lifecycle.add(async () => { stopped.push('server'); });
    await expect(lifecycle.stop()).rejects.toThrow('relay would not stop');
    expect(stopped).toEqual(['server', 'orm']);
  });

  test('abort stops everything and ignores failures', async () => {
    const stopped: string[] = [];
    const lifecycle = new Lifecycle();
    lifecycle.add(() => { stopped.push('orm'); });
    lifecycle.add(() => { throw new Error('half started'); });
    await expect(lifecycle.abort()).resolves.toBeUndefined();
    expect(stopped).toEqual(['orm']);
  });
});
