/** Dead letters of a topic: browse with the error and attempts; redrive selected or all, to the source or another topic; delete. */
import { useState } from 'preact/hooks';
import { api, path, type DeadLetter, type DeadLetterPage } from '../api';
import { formatTime, valuePreview, valueText } from '../format';
import { ConfirmDialog, Field, Show, useAsync, type ConfirmRequest } from '../ui';
import { TopicPicker } from './groups';

async function loadAll(topic: string, group: string | undefined): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<DeadLetterPage>('GET', path`/v1/topics/${topic}/dead-letters`, { query: { group, limit: 500, cursor } });
    letters.push(...page.deadLetters);
    cursor = page.cursor ?? undefined;
  } while (cursor && letters.length < 5000);
  return letters;
}

function Letters({ topic, group }: { topic: string; group: string | undefined }) {
  const state = useAsync(() => loadAll(topic, group), [topic, group]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [target, setTarget] = useState('');
  const [confirm, setConfirm] = useState<ConfirmRequest | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const letters = state.data ?? [];
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  /** Redrive works per group: the chosen letters grouped by their group. */
  const redrive = (chosen: DeadLetter[], label: string) => {
    setDone(undefined);
    const byGroup = new Map<string, string[]>();
    for (const l of chosen) byGroup.set(l.group, [...(byGroup.get(l.group) ?? []), l.id]);
    setConfirm({
      title: `Redrive ${label}?`,
      body: (
        <p>
          {chosen.length} dead letter{chosen.length === 1 ? '' : 's'} will be appended to <strong>{target || topic}</strong> with
          headers naming where they came from, and removed from the dead letters.
        </p>
      ),
      confirmLabel: 'Redrive',
      onConfirm: async () => {
        let total = 0;
        for (const [g, ids] of byGroup) {
          const answer = await api<{ redriven: number }>('POST', path`/v1/topics/${topic}/dead-letters/redrive`, {
            body: { group: g, ids, ...(target ? { targetTopic: target } : {}) },
          });
          total += answer.redriven;
        }
        setDone(`Redriven: ${total}.`);
        setSelected(new Set());
        state.reload();
      },
    });
  };
  const remove = (chosen: DeadLetter[]) => {
    setDone(undefined);
    setConfirm({
      title: `Delete ${chosen.length} dead letter${chosen.length === 1 ? '' : 's'}?`,
      body: <p>They are gone for good: nothing is appended anywhere.</p>,
      confirmLabel: 'Delete',
      danger: true,
      onConfirm: async () => {
        for (const l of chosen) await api('DELETE', path`/v1/topics/${topic}/dead-letters/${l.id}`, { query: { group: l.group } });
        setDone(`Deleted: ${chosen.length}.`);
        setSelected(new Set());
        state.reload();
      },
    });
  };
  const chosen = letters.filter((l) => selected.has(l.id));
  return (
    <>
      <div class="toolbar">
        <Field label="Redrive to topic" hint="empty: back to the source topic">
          <input value={target} placeholder={topic} onInput={(e) => setTarget(e.currentTarget.value)} />
        </Field>
        <button class="button primary" type="button" disabled={chosen.length === 0} onClick={() => redrive(chosen, 'the selected dead letters')}>
          Redrive selected ({chosen.length})
        </button>
        <button class="button" type="button" disabled={letters.length === 0} onClick={() => redrive(letters, 'every dead letter shown')}>
          Redrive all ({letters.length})
        </button>
        <button class="button danger" type="button" disabled={chosen.length === 0} onClick={() => remove(chosen)}>
          Delete selected
        </button>
      </div>
      {done && (
        <p class="note note-ok" role="status">
          {done}
        </p>
      )}
      <Show state={state} what="this topic's dead letters (it needs consume)">
        {(list) =>
          list.length === 0 ? (
            <p class="empty">No dead letters{group ? ` for group ${group}` : ''}.</p>
          ) : (
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label="Select all"
                        checked={selected.size === list.length}
                        onChange={(e) => setSelected(e.currentTarget.checked ? new Set(list.map((l) => l.id)) : new Set())}
                      />
                    </th>
                    <th scope="col">Group</th>
                    <th scope="col" class="num">Partition / offset</th>
                    <th scope="col" class="num">Attempts</th>
                    <th scope="col">Last error</th>
                    <th scope="col">Dead-lettered</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((l) => [
                    <tr key={l.id} class={selected.has(l.id) ? 'selected' : ''}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select dead letter ${l.partition}/${l.offset} of ${l.group}`}
                          checked={selected.has(l.id)}
                          onChange={() => toggle(l.id)}
                        />
                      </td>
                      <td>{l.group}</td>
                      <td class="num">
                        {l.partition} / {l.offset}
                      </td>
                      <td class="num">{l.deliveryAttempts}</td>
                      <td class="error-text">{l.lastError ?? <span class="muted">none</span>}</td>
                      <td class="nowrap">{formatTime(l.deadLetteredAt)}</td>
                      <td class="value-cell">
                        <button class="link-button" type="button" aria-expanded={open === l.id} onClick={() => setOpen(open === l.id ? undefined : l.id)}>
                          {valuePreview(l, 60)}
                        </button>
                      </td>
                    </tr>,
                    open === l.id && (
                      <tr key={`${l.id}-detail`} class="detail-row">
                        <td colSpan={7}>
                          <pre class="code" tabIndex={0}>
                            {valueText(l).text}
                          </pre>
                        </td>
                      </tr>
                    ),
                  ])}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(undefined)} />
    </>
  );
}

export function DeadLettersView({ topic, group }: { topic: string | undefined; group: string | undefined }) {
  const [groupInput, setGroupInput] = useState(group ?? '');
  return (
    <section aria-labelledby="dlq-title">
      <div class="page-head">
        <h1 id="dlq-title">Dead letters</h1>
      </div>
      <div class="toolbar">
        <TopicPicker topic={topic} base="/dead-letters" query={{ group }} />
        <form
          class="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            location.hash = `#/dead-letters?${new URLSearchParams({ ...(topic ? { topic } : {}), ...(groupInput ? { group: groupInput } : {}) })}`;
          }}
        >
          <Field label="Group" hint="empty: every group">
            <input value={groupInput} onInput={(e) => setGroupInput(e.currentTarget.value)} />
          </Field>
          <button class="button" type="submit">
            Filter
          </button>
        </form>
      </div>
      {topic ? <Letters topic={topic} group={group} /> : <p class="empty">Choose a topic to see its dead letters.</p>}
    </section>
  );
}
