/** Small building blocks shared by the views: async loading, error notes, a confirmation dialog. */
import { cloneElement, isValidElement, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change; `reload()` runs it again. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** A sentence for an error: a clear one for 403 and for a feature this server lacks. */
export function describeError(error: unknown, what = 'this'): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Your token may not see ${what}. ${error.message}`;
    if (error.routeMissing) return `Not available on this server: it does not offer ${what}.`;
    return `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error, what }: { error: unknown; what?: string }) {
  const forbidden = error instanceof ApiError && error.status === 403;
  const missing = error instanceof ApiError && error.routeMissing;
  return (
    <div class={`note ${forbidden ? 'note-forbidden' : missing ? 'note-missing' : 'note-error'}`} role="alert">
      <strong>{forbidden ? 'Not permitted' : missing ? 'Not available' : 'Something went wrong'}</strong>
      <span>{describeError(error, what)}</span>
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

/** Shows what an Async holds: a spinner, an error note, or the children built from the data. */
export function Show<T>({ state, what, children }: { state: Async<T>; what?: string; children: (data: T) => ComponentChildren }) {
  if (state.error !== undefined) return <ErrorNote error={state.error} what={what} />;
  if (state.data === undefined) return <Loading />;
  return <>{children(state.data)}</>;
}

export interface ConfirmRequest {
  title: string;
  body: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void> | void;
}

/** A modal confirmation (`<dialog>`), focus on Cancel, Escape cancels. */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | undefined; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (request && !dialog.open) {
      setError(undefined);
      dialog.showModal();
    }
    if (!request && dialog.open) dialog.close();
  }, [request]);
  const confirm = async () => {
    if (!request) return;
    setBusy(true);
    try {
      await request.onConfirm();
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onClose={onClose} onCancel={onClose}>
      {request && (
        <form method="dialog" onSubmit={(e) => e.preventDefault()}>
          <h2 id="confirm-title">{request.title}</h2>
          <div class="dialog-body">{request.body}</div>
          {error !== undefined && <ErrorNote error={error} />}
          <div class="actions">
            <button type="button" class="button" onClick={onClose} autofocus>
              Cancel
            </button>
            <button type="button" class={`button ${request.danger ? 'danger' : 'primary'}`} disabled={busy} onClick={confirm}>
              {busy ? 'Working…' : request.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

/** A labelled form field: the label names the control (`for`/`id`), the hint describes it. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: ComponentChildren }) {
  const id = useId();
  const control = isValidElement(children)
    ? cloneElement(children, { id, 'aria-describedby': hint ? `${id}-hint` : undefined } as Record<string, unknown>)
    : children;
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {label}
      </label>
      {control}
      {hint && (
        <span class="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
}

/** A tiny inline SVG sparkline (no inline styles: CSP allows none). */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  if (values.length < 2) return <span class="muted">—</span>;
  const w = 80;
  const h = 20;
  const max = Math.max(...values, 1);
  const points = values.map((v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`);
  return (
    <svg class="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      <polyline points={points.join(' ')} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

/** Reads `#/path?query` into its parts. */
export function parseHash(hash: string): { path: string[]; query: URLSearchParams } {
  const raw = hash.replace(/^#\/?/, '');
  const [p = '', q = ''] = raw.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const qs = params.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}
