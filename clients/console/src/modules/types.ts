import type { ComponentType } from 'react';

/**
 * A console module: one folder under src/modules/ with a `module.ts` exporting this as default.
 * The registry (modules/index.ts) finds every folder by itself; adding a module is adding a folder.
 * The page is loaded lazily (its own chunk), so the first page stays small.
 */
export interface ConsoleModule {
  /** First URL segment: /console/<id>/... */
  id: string;
  /** Position in the navigation. */
  order: number;
  label: { es: string; en: string };
  /** Roles that see the module (any of them); the subgraphs enforce their own rules regardless. */
  roles: readonly string[];
  /** The page; `path` is the URL after /console/<id>/ split on '/'. */
  load(): Promise<{ default: ComponentType<{ path: string[] }> }>;
}
