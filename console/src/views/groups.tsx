/**
 * Consumer groups, share groups and subscriptions of a topic: members,
 * leases, committed offsets and lag per partition; offset reset (with a
 * confirmation); share-group and subscription state, pause and resume.
 * Features this server lacks (404 on the route) say so instead of failing.
 */
import { useState } from 'preact/hooks';
import { api, path, type GroupDescription, type TopicReader, type TopicSummary } from '../api';
import { formatCount, formatTime } from '../format';
import { ConfirmDialog, ErrorNote, Field, href, Show, useAsync, type ConfirmRequest } from '../ui';

type ReaderType = TopicReader['type'];

export function TopicPicker({ topic, base, query = {} }: { topic: string | undefined; base: string; query?: Record<string, string | undefined> }) {
  const state = useAsync(() => api<{ topics: TopicSummary[] }>('GET', '/v1/topics'), []);
  return (
    <Show state={state} what="the topic list">
      {({ topics }) => (
        <Field label="Topic">
          <select
            value={topic ?? ''}
            onChange={(e) => {
              location.hash = href(base, { ...query, topic: e.currentTarget.value || undefined });
            }}
          >
            <option value="">Choose a topic…</option>
            {topics
              .map((t) => t.name)
              .sort()
              .map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
          </select>
        </Field>
      )}
    </Show>
  );
}

function ConsumerGroup({ topic, group }: { topic: string; group: string }) {
  const state = useAsync(() => api<GroupDescription>('GET', path`/v1/groups/${group}`, { query: { topic } }), [topic, group]);
  const [confirm, setConfirm] = useState<ConfirmRequest | undefined>(undefined);
  const [to, setTo] = useState<'earliest' | 'latest' | 'offset' | 'timestamp' | 'shiftBy'>('earliest');
  const [amount, setAmount] = useState('0');
  const [force, setForce] = useState(false);
  const [done, setDone] = useState<string | undefined>(undefined);
  const target = () => (to === 'earliest' || to === 'latest' ? to : { [to]: Number(amount) });
  const askReset = (e: Event) => {
    e.preventDefault();
    setDone(undefined);
    const what = to === 'earliest' || to === 'latest' ? to : `${to} ${amount}`;
    setConfirm({
      title: `Reset the offsets of ${group}?`,
      body: (
        <p>
          Every partition of <strong>{topic}</strong> moves to <strong>{what}</strong>
          {force ? ', revoking live leases first' : ''}. Consumers then read from there; this cannot be undone.
        </p>
      ),
      confirmLabel: 'Reset offsets',
      danger: true,
      onConfirm: async () => {
        const answer = await api<{ offsets: Array<{ partition: number; committedOffset: number }> }>('POST', path`/v1/groups/${group}/offsets/reset`, {
          body: { topic, to: target(), force },
        });
        setDone(`Offsets reset: ${answer.offsets.map((o) => `${o.partition}→${o.committedOffset}`).join(', ')}.`);
        state.reload();
      },
    });
  };
  return (
    <>
      <Show state={state} what="this consumer group (it needs consume)">
        {(g) => {
          const lag = g.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
          const members = new Set(g.partitions.map((p) => p.consumerId).filter(Boolean));
          return (
            <>
              <dl class="stats">
                <div>
                  <dt>Total lag</dt>
                  <dd data-testid="group-lag">{formatCount(lag)}</dd>
                </div>
                <div>
                  <dt>Members holding leases</dt>
                  <dd>{members.size}</dd>
                </div>
                <div>
                  <dt>Partitions</dt>
                  <dd>{g.partitions.length}</dd>
                </div>
              </dl>
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col" class="num">Partition</th>
                      <th scope="col" class="num">Committed</th>
                      <th scope="col" class="num">End offset</th>
                      <th scope="col" class="num">Lag</th>
                      <th scope="col">Consumer</th>
                      <th scope="col">Lease expires</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.partitions.map((p) => (
                      <tr key={p.partition}>
                        <th scope="row" class="num">
                          {p.partition}
                        </th>
                        <td class="num">{formatCount(p.committedOffset)}</td>
                        <td class="num">{formatCount(p.endOffset)}</td>
                        <td class={`num ${p.lag > 0 ? 'lag-behind' : ''}`}>{formatCount(p.lag)}</td>
                        <td>{p.consumerId ?? <span class="muted">none</span>}</td>
                        <td class="nowrap">{formatTime(p.leaseExpiresAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </Show>
      <form class="toolbar card-sub" onSubmit={askReset} aria-label="Reset offsets">
        <Field label="Reset offsets to">
          <select value={to} onChange={(e) => setTo(e.currentTarget.value as typeof to)}>
            <option value="earliest">Earliest</option>
            <option value="latest">Latest</option>
            <option value="offset">Offset</option>
            <option value="timestamp">Timestamp (ms)</option>
            <option value="shiftBy">Shift by</option>
          </select>
        </Field>
        {to !== 'earliest' && to !== 'latest' && (
          <Field label={to === 'shiftBy' ? 'Records (negative: back)' : to === 'offset' ? 'Offset' : 'Epoch ms'}>
            <input type="number" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
          </Field>
        )}
        <label class="check">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} /> Revoke live leases
        </label>
        <button class="button danger" type="submit">
          Reset offsets…
        </button>
      </form>
      {done && (
        <p class="note note-ok" role="status">
          {done}
        </p>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(undefined)} />
    </>
  );
}

/** One partition of `GET /v1/share-groups/{group}`: start offset and available are null until the group receives from it. */
interface SharePartition {
  partition: number;
  startOffset: number | null;
  endOffset: number;
  acquired: number;
  available: number | null;
  deadLettered: number;
}

function ShareGroup({ topic, group }: { topic: string; group: string }) {
  const state = useAsync(
    () => api<{ partitions: SharePartition[] }>('GET', path`/v1/share-groups/${group}`, { query: { topic } }),
    [topic, group],
  );
  return (
    <Show state={state} what="share groups">
      {({ partitions }) => (
        <div class="table-wrap">
          <table class="table" data-testid="share-partitions">
            <thead>
              <tr>
                <th scope="col" class="num">Partition</th>
                <th scope="col" class="num">Start offset</th>
                <th scope="col" class="num">End offset</th>
                <th scope="col" class="num">Acquired</th>
                <th scope="col" class="num">Available</th>
                <th scope="col" class="num">Dead-lettered</th>
              </tr>
            </thead>
            <tbody>
              {partitions.map((p) => (
                <tr key={p.partition}>
                  <th scope="row" class="num">
                    {p.partition}
                  </th>
                  <td class="num">{formatCount(p.startOffset)}</td>
                  <td class="num">{formatCount(p.endOffset)}</td>
                  <td class="num">{formatCount(p.acquired)}</td>
                  <td class={`num ${(p.available ?? 0) > 0 ? 'lag-behind' : ''}`}>{formatCount(p.available)}</td>
                  <td class="num">{formatCount(p.deadLettered)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Show>
  );
}

interface Subscription {
  name: string;
  target: { type: string; url?: string; functionArn?: string };
  state: 'active' | 'paused' | 'disabled';
  partitions?: Array<{
    partition: number;
    committedOffset: number;
    endOffset: number;
    lag: number;
    consecutiveFailures: number;
    nextAttemptAt: number | null;
    lastError: string | null;
  }>;
}

function SubscriptionDetail({ topic, name }: { topic: string; name: string }) {
  const state = useAsync(() => api<Subscription>('GET', path`/v1/topics/${topic}/subscriptions/${name}`), [topic, name]);
  const [error, setError] = useState<unknown>(undefined);
  const setSubscriptionState = async (next: 'active' | 'paused') => {
    setError(undefined);
    try {
      await api('PATCH', path`/v1/topics/${topic}/subscriptions/${name}`, { body: { state: next } });
      state.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Show state={state} what="subscriptions">
      {(s) => (
        <div data-testid="subscription-detail">
          <div class="toolbar">
            <span class={`badge badge-${s.state}`}>{s.state}</span>
            <span class="muted">{s.target.url ?? s.target.functionArn ?? s.target.type}</span>
            {s.state === 'active' ? (
              <button class="button" type="button" onClick={() => setSubscriptionState('paused')}>
                Pause
              </button>
            ) : (
              <button class="button primary" type="button" onClick={() => setSubscriptionState('active')}>
                Resume
              </button>
            )}
          </div>
          {error !== undefined && <ErrorNote error={error} what="changing this subscription (it needs admin)" />}
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col" class="num">Committed</th>
                  <th scope="col" class="num">End offset</th>
                  <th scope="col" class="num">Lag</th>
                  <th scope="col" class="num">Failures</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {(s.partitions ?? []).map((p) => (
                  <tr key={p.partition}>
                    <th scope="row" class="num">
                      {p.partition}
                    </th>
                    <td class="num">{formatCount(p.committedOffset)}</td>
                    <td class="num">{formatCount(p.endOffset)}</td>
                    <td class={`num ${p.lag > 0 ? 'lag-behind' : ''}`}>{formatCount(p.lag)}</td>
                    <td class="num">{p.consecutiveFailures}</td>
                    <td class="nowrap">{formatTime(p.nextAttemptAt)}</td>
                    <td>{p.lastError ?? <span class="muted">none</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Show>
  );
}

function Subscriptions({ topic }: { topic: string }) {
  const state = useAsync(() => api<{ subscriptions: Subscription[] }>('GET', path`/v1/topics/${topic}/subscriptions`), [topic]);
  return (
    <section class="card" aria-labelledby="subs-title">
      <h2 id="subs-title">Push subscriptions</h2>
      <Show state={state} what="push subscriptions">
        {({ subscriptions }) =>
          subscriptions.length === 0 ? (
            <p class="empty">No subscription on this topic.</p>
          ) : (
            <ul class="reader-list">
              {subscriptions.map((s) => (
                <li key={s.name}>
                  <a href={href('/groups', { topic, group: s.name, type: 'subscription' })}>{s.name}</a>
                  <span class={`badge badge-${s.state}`}>{s.state}</span>
                  <span class="muted">{s.target.url ?? s.target.functionArn ?? s.target.type}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

export function GroupsView({ topic, group, type }: { topic: string | undefined; group: string | undefined; type: ReaderType }) {
  const readers = useAsync(
    () => (topic ? api<{ groups: TopicReader[] }>('GET', path`/v1/topics/${topic}/groups`) : Promise.resolve({ groups: [] })),
    [topic],
  );
  return (
    <section aria-labelledby="groups-title">
      <div class="page-head">
        <h1 id="groups-title">Groups</h1>
        <button class="button" type="button" onClick={readers.reload}>
          Refresh
        </button>
      </div>
      <div class="toolbar">
        <TopicPicker topic={topic} base="/groups" />
      </div>
      {!topic && <p class="empty">Choose a topic to see the consumer groups, share groups and subscriptions that read it.</p>}
      {topic && (
        <div class="grid-sidebar">
          <section class="card" aria-labelledby="readers-title">
            <h2 id="readers-title">Readers of {topic}</h2>
            <Show state={readers} what="who reads this topic (it needs consume)">
              {({ groups }) =>
                groups.length === 0 ? (
                  <p class="empty">Nothing reads this topic yet.</p>
                ) : (
                  <ul class="reader-list stacked">
                    {groups.map((g) => {
                      const current = g.group === group && g.type === type;
                      return (
                        <li key={`${g.type}:${g.group}`} class={current ? 'current' : ''}>
                          <a href={href('/groups', { topic, group: g.group, type: g.type })} aria-current={current ? 'page' : undefined}>
                            {g.group}
                          </a>
                          <span class="badge">{g.type}</span>
                          <span class={g.lag > 0 ? 'lag lag-behind' : 'lag'}>lag {formatCount(g.lag)}</span>
                          <span class="muted">{g.members} live</span>
                        </li>
                      );
                    })}
                  </ul>
                )
              }
            </Show>
          </section>
          <section class="card" aria-labelledby="group-title">
            {group ? (
              <>
                <h2 id="group-title">
                  {group} <span class="badge">{type}</span>
                </h2>
                {type === 'consumer' && <ConsumerGroup topic={topic} group={group} />}
                {type === 'share' && <ShareGroup topic={topic} group={group} />}
                {type === 'subscription' && <SubscriptionDetail topic={topic} name={group} />}
              </>
            ) : (
              <p class="empty" id="group-title">
                Choose a group to see its partitions.
              </p>
            )}
          </section>
        </div>
      )}
      {topic && <Subscriptions topic={topic} />}
    </section>
  );
}
