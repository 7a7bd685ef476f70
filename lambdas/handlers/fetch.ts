/** Lambda: read one partition by offset, earliest, latest or timestamp, with long polling. */
import { createHttpHandler } from '../http/middleware';
import { presentRecord } from '../http/present';
import { parseFetchQuery, parsePartition, parseTopicName } from '../http/schemas';
import { getRuntime } from '../runtime';

export const handler = createHttpHandler({
  fetch: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const partition = parsePartition(request.pathParameters.partition);
    const params = parseFetchQuery(request.query);
    const result = await getRuntime().fetcher.fetch({ topic, partition, ...params });
    return {
      statusCode: 200,
      body: { records: result.records.map(presentRecord), nextOffset: result.nextOffset, endOffset: result.endOffset },
    };
  },
});
