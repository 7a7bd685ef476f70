/** Lambda: dead letters — list, delete, redrive. */
import type { DeadLetterView } from '../core/dead-letters';
import { createHttpHandler } from '../http/middleware';
import { presentRecord } from '../http/present';
import { parseDeadLetterList, parseGroupName, parseGroupQuery, parseRedrive } from '../http/group-schemas';
import { parseJsonBody, parseTopicName } from '../http/schemas';
import { getRuntime } from '../runtime';

function presentDeadLetter(letter: DeadLetterView) {
  const { partition, offset, ...record } = presentRecord({ ...letter.record, partition: letter.partition, offset: letter.offset });
  return {
    id: letter.id,
    group: letter.group,
    partition,
    offset,
    ...record,
    deliveryAttempts: letter.deliveryAttempts,
    lastError: letter.lastError ?? null,
    deadLetteredAt: letter.deadLetteredAt,
  };
}

export const handler = createHttpHandler({
  listDeadLetters: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const { group, limit, cursor } = parseDeadLetterList(request.query);
    const page = await getRuntime().deadLetters.list(topic, group, limit, cursor);
    return { statusCode: 200, body: { deadLetters: page.deadLetters.map(presentDeadLetter), cursor: page.cursor ?? null } };
  },
  redrive: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const body = parseRedrive(parseJsonBody(request.body));
    request.authorizeTopic(body.targetTopic ?? topic, 'produce');
    const redriven = await getRuntime().deadLetters.redrive(topic, body.group, body.ids, body.targetTopic);
    return { statusCode: 200, body: { redriven } };
  },
  deleteDeadLetter: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const group = parseGroupQuery(request.query);
    const id = request.pathParameters.id ?? '';
    await getRuntime().deadLetters.delete(topic, parseGroupName(group), id);
    return { statusCode: 204 };
  },
});
