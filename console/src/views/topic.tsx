/** One topic: its partitions and offsets, who reads it, producing a record, and the record browser. */
import { useState } from 'preact/hooks';
import { api, path, type TopicDescription, type TopicReader } from '../api';
import { formatBytes, formatCount, formatDuration } from '../format';
import { ErrorNote, Field, href, Show, useAsync } from '../ui';
import { RecordBrowser } from './records';
import { recordCounts } from './topics';

function Partitions({ topic }: { topic: TopicDescription }) {
  return (
    <section class="card" aria-labelledby="partitions-title">
      <h2 id="partitions-title">Partitions</h2>
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th scope="col" class="num">Partition</th>
              <th scope="col" class="num">Start offset</th>
              <th scope="col" class="num">Archived to</th>
              <th scope="col" class="num">End offset</th>
              <th scope="col" class="num">Records</th>
            </tr>
          </thead>
          <tbody>
            {topic.partitions.map((p) => (
              <tr key={p.partition}>
                <th scope="row" class="num">
                  {p.partition}
                </th>
                <td class="num">{formatCount(p.startOffset)}</td>
                <td class="num">{formatCount(p.archivedOffset)}</td>
                <td class="num">{formatCount(p.endOffset)}</td>
                <td class="num">{formatCount(p.endOffset - p.startOffset)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Readers({ topic }: { topic: string }) {
  const state = useAsync(() => api<{ groups: TopicReader[] }>('GET', path`/v1/topics/${topic}/groups`), [topic]);
  return (
    <section class="card" aria-labelledby="readers-title">
      <h2 id="readers-title">Readers</h2>
      <Show state={state} what="who reads this topic (it needs consume)">
        {({ groups }) =>
          groups.length === 0 ? (
            <p class="empty">No consumer group, share group or subscription reads this topic yet.</p>
          ) : (
            <ul class="reader-list">
              {groups.map((g) => (
                <li key={`${g.type}:${g.group}`}>
                  <a href={href('/groups', { topic, group: g.group, type: g.type })}>{g.group}</a>
                  <span class="badge">{g.type}</span>
                  <span class={g.lag > 0 ? 'lag lag-behind' : 'lag'}>lag {formatCount(g.lag)}</span>
                  <span class="muted">{g.members} live</span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function Produce({ topic, partitions, onProduced }: { topic: string; partitions: number; onProduced: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('{\n  "hello": "world"\n}');
  const [asText, setAsText] = useState(false);
  const [headers, setHeaders] = useState('');
  const [partition, setPartition] = useState('');
  const [result, setResult] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      let parsed: unknown = value;
      if (!asText) {
        try {
          parsed = JSON.parse(value);
        } catch {
          throw new Error('The value is not valid JSON (tick "Send as a string" to send it as text).');
        }
      }
      const headerMap: Record<string, string> = {};
      for (const line of headers.split('\n')) {
        if (!line.trim()) continue;
        const at = line.indexOf('=');
        if (at < 1) throw new Error(`Header lines are name=value: "${line}"`);
        headerMap[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      const record: Record<string, unknown> = { value: parsed, headers: headerMap };
      if (key) record.key = key;
      if (partition !== '') record.partition = Number(partition);
      const answer = await api<{ results: Array<{ partition: number; offset: number }> }>('POST', path`/v1/topics/${topic}/records`, {
        body: { records: [record] },
      });
      const at = answer.results[0];
      setResult(`Stored at partition ${at?.partition}, offset ${at?.offset}.`);
      onProduced();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="produce-title">
      <h2 id="produce-title">Produce a record</h2>
      <form class="stack" onSubmit={submit}>
        <div class="row">
          <Field label="Key" hint="optional; records with one key share a partition">
            <input value={key} onInput={(e) => setKey(e.currentTarget.value)} />
          </Field>
          <Field label="Partition" hint="optional">
            <select value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
              <option value="">By key (or spread)</option>
              {Array.from({ length: partitions }, (_, p) => (
                <option key={p} value={String(p)}>
                  {p}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field label="Value">
          <textarea rows={5} class="mono" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <label class="check">
          <input type="checkbox" checked={asText} onChange={(e) => setAsText(e.currentTarget.checked)} /> Send as a string
        </label>
        <Field label="Headers" hint="one name=value per line">
          <textarea rows={2} class="mono" value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />
        </Field>
        <div class="actions">
          <button class="button primary" type="submit">
            Produce
          </button>
        </div>
        {result && (
          <p class="note note-ok" role="status">
            {result}
          </p>
        )}
        {error !== undefined && <ErrorNote error={error} what="producing to this topic (it needs produce)" />}
      </form>
    </section>
  );
}

export function TopicView({ name }: { name: string }) {
  const state = useAsync(() => api<TopicDescription>('GET', path`/v1/topics/${name}`), [name]);
  const [refreshKey, setRefreshKey] = useState(0);
  return (
    <section aria-labelledby="topic-title">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/topics">Topics</a> <span aria-hidden="true">›</span> <span aria-current="page">{name}</span>
      </nav>
      <div class="page-head">
        <h1 id="topic-title">{name}</h1>
        <div class="actions">
          <a class="button" href={href('/dead-letters', { topic: name })}>
            Dead letters
          </a>
          <button class="button" type="button" onClick={state.reload}>
            Refresh
          </button>
        </div>
      </div>
      <Show state={state} what="this topic">
        {(topic) => {
          const counts = recordCounts(topic);
          return (
            <>
              <dl class="stats">
                <div>
                  <dt>Partitions</dt>
                  <dd>{topic.partitions.length}</dd>
                </div>
                <div>
                  <dt>Records hot</dt>
                  <dd>{formatCount(counts.hot)}</dd>
                </div>
                <div>
                  <dt>Archived (S3)</dt>
                  <dd>{formatCount(counts.archived)}</dd>
                </div>
                <div>
                  <dt>Retention</dt>
                  <dd>
                    {formatDuration(topic.config.retentionMs)}
                    {topic.config.retentionBytes >= 0 ? `, ${formatBytes(topic.config.retentionBytes)}` : ''}
                  </dd>
                </div>
                <div>
                  <dt>Max delivery attempts</dt>
                  <dd>{topic.config.maxDeliveryAttempts}</dd>
                </div>
              </dl>
              <div class="grid-2">
                <Partitions topic={topic} />
                <Readers topic={topic.name} />
              </div>
              <RecordBrowser topic={topic} refreshKey={refreshKey} />
              <Produce
                topic={topic.name}
                partitions={topic.partitions.length}
                onProduced={() => {
                  state.reload();
                  setRefreshKey((k) => k + 1);
                }}
              />
            </>
          );
        }}
      </Show>
    </section>
  );
}
