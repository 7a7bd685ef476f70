/**
 * The record browser: load from an offset, a time, or the latest records of
 * one or every partition; live tail (long polls); search the loaded records
 * by key, header or text; JSON pretty-printed, binary as hex; export as JSON lines.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, path, type TopicDescription, type TributaryRecord } from '../api';
import { formatTime, recordMatches, valuePreview, valueText } from '../format';
import { ErrorNote, Field, Sparkline } from '../ui';

type Mode = 'earliest' | 'offset' | 'time' | 'latest';
type SearchField = 'any' | 'key' | 'header' | 'value';

interface FetchAnswer {
  records: TributaryRecord[];
  nextOffset: number;
  endOffset: number;
}

/** Loaded records are kept up to this many (the oldest are dropped while tailing). */
const MAX_LOADED = 5000;
/** Up to this many partitions, the live tail holds one long poll per partition. */
const LONG_POLL_PARTITIONS = 4;

const byTime = (a: TributaryRecord, b: TributaryRecord) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;

function fetchPartition(topic: string, partition: number, query: Record<string, string | number>, signal?: AbortSignal) {
  return api<FetchAnswer>('GET', path`/v1/topics/${topic}/partitions/${partition}/records`, { query, signal });
}

/** Records per minute over the loaded range: the sparkline's points. */
function perMinute(records: TributaryRecord[]): number[] {
  if (records.length < 2) return [];
  const first = records[0]!.timestamp;
  const last = records[records.length - 1]!.timestamp;
  const buckets = Math.min(30, Math.max(2, Math.ceil((last - first) / 60_000) + 1));
  const size = Math.max(1, (last - first + 1) / buckets);
  const counts = new Array<number>(buckets).fill(0);
  for (const r of records) counts[Math.min(buckets - 1, Math.floor((r.timestamp - first) / size))]! += 1;
  return counts;
}

function RecordDetail({ record }: { record: TributaryRecord }) {
  const value = valueText(record);
  const headers = Object.entries(record.headers);
  return (
    <div class="record-detail">
      <dl class="facts">
        <dt>Partition / offset</dt>
        <dd>
          {record.partition} / {record.offset}
        </dd>
        <dt>Timestamp</dt>
        <dd>
          {formatTime(record.timestamp)} <span class="muted">({record.timestamp})</span>
        </dd>
        <dt>Key</dt>
        <dd>{record.key === null ? <span class="muted">none</span> : <code>{record.key}</code>}</dd>
        <dt>Headers</dt>
        <dd>
          {headers.length === 0 ? (
            <span class="muted">none</span>
          ) : (
            <ul class="chips">
              {headers.map(([k, v]) => (
                <li key={k} class="chip">
                  {k}: <span class="chip-value">{v}</span>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <p class="field-label">{value.kind === 'json' ? 'Value (JSON)' : 'Value (binary, hex)'}</p>
      <pre class="code" tabIndex={0}>
        {value.text}
      </pre>
    </div>
  );
}

function exportJsonLines(topic: string, records: TributaryRecord[]): void {
  const blob = new Blob(records.map((r) => `${JSON.stringify(r)}\n`), { type: 'application/x-ndjson' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${topic}-records.jsonl`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export function RecordBrowser({ topic, refreshKey }: { topic: TopicDescription; refreshKey: number }) {
  const [partition, setPartition] = useState<'all' | number>('all');
  const [mode, setMode] = useState<Mode>('latest');
  const [offset, setOffset] = useState('0');
  const [time, setTime] = useState('');
  const [limit, setLimit] = useState('50');
  const [records, setRecords] = useState<TributaryRecord[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const [tailing, setTailing] = useState(false);
  const [query, setQuery] = useState('');
  const [field, setField] = useState<SearchField>('any');
  const [open, setOpen] = useState<string | undefined>(undefined);
  const next = useRef(new Map<number, number>());

  const partitions = partition === 'all' ? topic.partitions.map((p) => p.partition) : [partition];

  const load = async () => {
    setLoading(true);
    setError(undefined);
    setTailing(false);
    const n = Math.max(1, Math.min(1000, Number(limit) || 50));
    try {
      const answers = await Promise.all(
        partitions.map((p) => {
          const info = topic.partitions[p];
          let q: Record<string, string | number>;
          if (mode === 'earliest') q = { offset: 'earliest', limit: n };
          else if (mode === 'offset') q = { offset: Math.max(Number(offset) || 0, info?.startOffset ?? 0), limit: n };
          else if (mode === 'time') q = { fromTimestamp: time ? new Date(time).getTime() : 0, limit: n };
          else q = { offset: Math.max(info?.startOffset ?? 0, (info?.endOffset ?? 0) - n), limit: n };
          return fetchPartition(topic.name, p, q).then((a) => ({ p, a }));
        }),
      );
      next.current = new Map(answers.map(({ p, a }) => [p, a.nextOffset]));
      setRecords(answers.flatMap(({ a }) => a.records).sort(byTime));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [topic.name, partition, refreshKey]);

  // Live tail: each partition long-polls from where the loaded range ends. A browser keeps about
  // six connections per host, so past LONG_POLL_PARTITIONS partitions it polls briefly every 2 s instead.
  useEffect(() => {
    if (!tailing) return;
    const abort = new AbortController();
    const waitMs = partitions.length > LONG_POLL_PARTITIONS ? 0 : 10_000;
    const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 2000));
    const tail = async (p: number) => {
      while (!abort.signal.aborted) {
        try {
          const from = next.current.get(p) ?? topic.partitions[p]?.endOffset ?? 0;
          const a = await fetchPartition(topic.name, p, { offset: from, limit: 100, waitMs }, abort.signal);
          next.current.set(p, a.nextOffset);
          if (a.records.length > 0) setRecords((old) => [...old, ...a.records].sort(byTime).slice(-MAX_LOADED));
          else if (waitMs === 0) await pause();
        } catch (e) {
          if (abort.signal.aborted) return;
          setError(e);
          setTailing(false);
          return;
        }
      }
    };
    for (const p of partitions) void tail(p);
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tailing, topic.name, partition]);

  const shown = useMemo(() => records.filter((r) => recordMatches(r, query, field)), [records, query, field]);
  const rate = useMemo(() => perMinute(records), [records]);

  return (
    <section class="card" aria-labelledby="records-title">
      <div class="card-head">
        <h2 id="records-title">Records</h2>
        <Sparkline values={rate} label="Records per minute over the loaded range" />
      </div>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
        aria-label="Which records to load"
      >
        <Field label="Partition">
          <select value={String(partition)} onChange={(e) => setPartition(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}>
            <option value="all">All partitions</option>
            {topic.partitions.map((p) => (
              <option key={p.partition} value={String(p.partition)}>
                Partition {p.partition}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From">
          <select value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)}>
            <option value="latest">Latest</option>
            <option value="earliest">Earliest</option>
            <option value="offset">Offset</option>
            <option value="time">Time</option>
          </select>
        </Field>
        {mode === 'offset' && (
          <Field label="Offset">
            <input type="number" min="0" value={offset} onInput={(e) => setOffset(e.currentTarget.value)} />
          </Field>
        )}
        {mode === 'time' && (
          <Field label="From time">
            <input type="datetime-local" step="1" value={time} onInput={(e) => setTime(e.currentTarget.value)} />
          </Field>
        )}
        <Field label="Per partition">
          <input type="number" min="1" max="1000" value={limit} onInput={(e) => setLimit(e.currentTarget.value)} />
        </Field>
        <button class="button primary" type="submit" disabled={loading}>
          {loading ? 'Loading…' : 'Load'}
        </button>
        <button class={`button ${tailing ? 'active' : ''}`} type="button" aria-pressed={tailing} onClick={() => setTailing(!tailing)}>
          {tailing ? 'Stop live tail' : 'Live tail'}
        </button>
      </form>
      <div class="toolbar">
        <Field label="Search loaded records">
          <input type="search" value={query} placeholder="key, header or text" onInput={(e) => setQuery(e.currentTarget.value)} />
        </Field>
        <Field label="In">
          <select value={field} onChange={(e) => setField(e.currentTarget.value as SearchField)}>
            <option value="any">Key, headers and value</option>
            <option value="key">Key</option>
            <option value="header">Headers</option>
            <option value="value">Value</option>
          </select>
        </Field>
        <button class="button" type="button" disabled={shown.length === 0} onClick={() => exportJsonLines(topic.name, shown)}>
          Export JSON lines
        </button>
      </div>
      {error !== undefined && <ErrorNote error={error} what="this topic's records (reading needs consume)" />}
      <p class="muted" role="status" aria-live="polite">
        {shown.length === records.length ? `${records.length} records loaded` : `${shown.length} of ${records.length} loaded records match`}
        {tailing ? ' · tailing' : ''}
      </p>
      {shown.length > 0 && (
        <div class="table-wrap">
          <table class="table records">
            <thead>
              <tr>
                <th scope="col" class="num">Partition</th>
                <th scope="col" class="num">Offset</th>
                <th scope="col">Time</th>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => {
                const id = `${r.partition}:${r.offset}`;
                const expanded = open === id;
                return [
                  <tr key={id} class={expanded ? 'selected' : ''}>
                    <td class="num">{r.partition}</td>
                    <td class="num">{r.offset}</td>
                    <td class="nowrap">{formatTime(r.timestamp)}</td>
                    <td>{r.key === null ? <span class="muted">—</span> : <code>{r.key}</code>}</td>
                    <td class="value-cell">
                      <button class="link-button" type="button" aria-expanded={expanded} onClick={() => setOpen(expanded ? undefined : id)}>
                        {valuePreview(r)}
                      </button>
                    </td>
                  </tr>,
                  expanded && (
                    <tr key={`${id}-detail`} class="detail-row">
                      <td colSpan={5}>
                        <RecordDetail record={r} />
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
