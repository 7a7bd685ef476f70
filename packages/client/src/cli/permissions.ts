/** `tributary tokens create --permission 'orders*=produce,consume'`: the API's permission objects from text. */
import type { Action, Permission } from '..';

const ACTIONS: readonly Action[] = ['produce', 'consume', 'admin'];

/** `TOPICS=ACTION[,ACTION…]`, where TOPICS is a name, a prefix ending in `*`, or `*`. Throws a sentence on a bad one. */
export function parsePermission(text: string): Permission {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new Error(`expected TOPICS=ACTIONS (e.g. 'orders*=produce,consume'), got '${text}'`);
  }
  const actions = text
    .slice(at + 1)
    .split(',')
    .map((a) => a.trim());
  for (const action of actions) {
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw new Error(`unknown action '${action}' (expected ${ACTIONS.join(', ')})`);
    }
  }
  return { topics: text.slice(0, at).trim(), actions: [...new Set(actions)] as Action[] };
}

export function formatPermissions(permissions: readonly Permission[]): string {
  return permissions.map((p) => `${p.topics}=${p.actions.join(',')}`).join(' ');
}
