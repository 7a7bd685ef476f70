/**
 * Reading markdown the way the documentation tests need it: relative links,
 * heading anchors (GitHub's slugs), and the HTTP routes a page names.
 */

/** The text without fenced code blocks (their lines become empty, so line numbers stay). */
function withoutFences(text: string): string {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** The targets of the relative links (`[text](target)`), outside code; URLs with a scheme are left out. */
export function markdownLinks(text: string): string[] {
  const prose = withoutFences(text).replace(/`[^`\n]*`/g, '');
  const links: string[] = [];
  for (const match of prose.matchAll(/\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1] as string;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
  }
  return links;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a page's headings define, with GitHub's `-1`, `-2`… for repeated headings. */
export function anchorsOf(text: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  for (const match of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = slugOf(match[1] as string);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.push(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** `METHOD /v1/a/{}/b`: a route with its path parameters unnamed, so `{topic}` and `{name}` compare equal. */
export function routeKey(method: string, path: string): string {
  return `${method} ${path.replace(/\{[^}]*\}/g, '{}')}`;
}

/** Every `METHOD /v1/...` a page names, in prose or code, without query strings. */
export function routesNamedIn(text: string): Set<string> {
  const routes = new Set<string>();
  for (const match of text.matchAll(/\b(GET|POST|PUT|PATCH|DELETE)\s+(\/v1\/[^\s`?)"',;]*)/g)) {
    const path = (match[2] as string).replace(/[.:]+$/, '');
    routes.add(routeKey(match[1] as string, path));
  }
  return routes;
}
