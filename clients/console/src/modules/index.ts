/** Every src/modules/<name>/module.ts, in navigation order. */
import type { ConsoleModule } from './types';

const found = import.meta.glob<{ default: ConsoleModule }>('./*/module.ts', { eager: true });

export const MODULES: ConsoleModule[] = Object.values(found).map((m) => m.default).sort((a, b) => a.order - b.order);
export type { ConsoleModule } from './types';
