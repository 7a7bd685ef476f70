/** Topics: every topic the token may see, with partitions, records hot and archived, retention and its readers' lag. */
import { useState } from 'preact/hooks';
import { api, ApiError, path, type TopicDescription, type TopicReader, type TopicSummary } from '../api';
import { formatCount, formatDuration } from '../format';
import { ErrorNote, Field, href, Show, useAsync } from '../ui';

interface TopicRow {
  summary: TopicSummary;
  description: TopicDescription | undefined;
  readers: TopicReader[] | ApiError | undefined;
}

export function recordCounts(topic: TopicDescription): { hot: number; archived: number; total: number } {
  let hot = 0;
  let archived = 0;
  for (const p of topic.partitions) {
    const archivedTo = Math.max(p.startOffset, p.archivedOffset);
    archived += archivedTo - p.startOffset;
    hot += p.endOffset - archivedTo;
  }
  return { hot, archived, total: hot + archived };
}

async function loadTopics(): Promise<TopicRow[]> {
  const { topics } = await api<{ topics: TopicSummary[] }>('GET', '/v1/topics');
  topics.sort((a, b) => a.name.localeCompare(b.name));
  return Promise.all(
    topics.map(async (summary) => {
      const [description, readers] = await Promise.all([
        api<TopicDescription>('GET', path`/v1/topics/${summary.name}`).catch(() => undefined),
        api<{ groups: TopicReader[] }>('GET', path`/v1/topics/${summary.name}/groups`).then(
          (r) => r.groups,
          (e: unknown) => (e instanceof ApiError ? e : undefined),
        ),
      ]);
      return { summary, description, readers };
    }),
  );
}

function ReadersCell({ readers }: { readers: TopicRow['readers'] }) {
  if (readers === undefined) return <span class="muted">—</span>;
  if (readers instanceof ApiError) {
    return <span class="muted" title={readers.message}>{readers.status === 403 ? 'not permitted' : '—'}</span>;
  }
  if (readers.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="chips">
      {readers.slice(0, 4).map((r) => (
        <li key={`${r.type}:${r.group}`} class={`chip ${r.lag > 0 ? 'chip-warn' : 'chip-ok'}`} title={`${r.type}, ${r.members} live`}>
          {r.group} <span class="chip-value">{formatCount(r.lag)}</span>
        </li>
      ))}
      {readers.length > 4 && <li class="chip">+{readers.length - 4}</li>}
    </ul>
  );
}

function CreateTopic({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('3');
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api('POST', '/v1/topics', { body: { name, partitions: Number(partitions) } });
      setName('');
      onCreated(name);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="inline-form card" onSubmit={submit} aria-label="Create a topic">
      <Field label="New topic name">
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} pattern="[a-zA-Z0-9._\-]{1,249}" />
      </Field>
      <Field label="Partitions">
        <input type="number" min="1" max="1000" required value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} />
      </Field>
      <button class="button primary" type="submit">
        Create topic
      </button>
      {error !== undefined && <ErrorNote error={error} what="topic creation (it needs admin)" />}
    </form>
  );
}

export function TopicsView() {
  const state = useAsync(loadTopics, []);
  return (
    <section aria-labelledby="topics-title">
      <div class="page-head">
        <h1 id="topics-title">Topics</h1>
        <button class="button" type="button" onClick={state.reload}>
          Refresh
        </button>
      </div>
      <CreateTopic onCreated={state.reload} />
      <Show state={state} what="the topic list">
        {(rows) =>
          rows.length === 0 ? (
            <p class="empty">No topics your token may see yet.</p>
          ) : (
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Topic</th>
                    <th scope="col" class="num">Partitions</th>
                    <th scope="col" class="num">Records hot</th>
                    <th scope="col" class="num">Archived</th>
                    <th scope="col" class="num">Retention</th>
                    <th scope="col">Readers and lag</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map(({ summary, description, readers }) => {
                    const counts = description ? recordCounts(description) : undefined;
                    return (
                      <tr key={summary.name}>
                        <th scope="row">
                          <a href={href(`/topics/${encodeURIComponent(summary.name)}`)}>{summary.name}</a>
                        </th>
                        <td class="num">{summary.partitions}</td>
                        <td class="num">{formatCount(counts?.hot)}</td>
                        <td class="num">{formatCount(counts?.archived)}</td>
                        <td class="num">{description ? formatDuration(description.config.retentionMs) : '—'}</td>
                        <td>
                          <ReadersCell readers={readers} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}
