import { describe, expect, it } from 'vitest';
import { ensureSearchAttributes, searchAttributeCommand, type OperatorConnection } from './register-search-attributes.ts';

const KEYWORD = 2;
const AIP = ['AipRunId', 'AipFlowchartId', 'AipOwner', 'AipNodeId', 'AipStageState'];

/** An operator service holding `existing` search attributes; `fail` makes its calls fail with a gRPC code. */
function operator(existing: string[], fail?: { code: number; on: 'list' | 'add' }) {
  const attributes: Record<string, number> = Object.fromEntries(existing.map((name) => [name, KEYWORD]));
  const added: Array<Record<string, number>> = [];
  const failure = () => Object.assign(new Error(`gRPC status ${fail!.code}: request refused`), { code: fail!.code });
  const connection: OperatorConnection = {
    operatorService: {
      async listSearchAttributes() {
        if (fail?.on === 'list') throw failure();
        return { customAttributes: { ...attributes } };
      },
      async addSearchAttributes({ searchAttributes }) {
        if (fail?.on === 'add') throw failure();
        added.push(searchAttributes);
        Object.assign(attributes, searchAttributes);
        return {};
      },
    },
  };
  return { connection, added };
}

function warnings() {
  const lines: string[] = [];
  return { lines, logger: { warn: (line: string) => lines.push(line) } };
}

describe('ensureSearchAttributes', () => {
  it('adds the missing ones as Keyword, and nothing when all are there', async () => {
    const { connection, added } = operator(['AipRunId', 'CustomerId']);
    await expect(ensureSearchAttributes(connection, 'default')).resolves.toBe(true);
    expect(added).toEqual([{ AipFlowchartId: KEYWORD, AipOwner: KEYWORD, AipNodeId: KEYWORD, AipStageState: KEYWORD }]);
    await expect(ensureSearchAttributes(connection, 'default')).resolves.toBe(true);
    expect(added).toHaveLength(1);
  });

  it('takes a refused add for success when another process has just added them', async () => {
    const { connection } = operator([]);
    const add = connection.operatorService.addSearchAttributes;
    connection.operatorService.addSearchAttributes = async (request) => {
      await add(request);
      throw Object.assign(new Error('search attribute AipRunId already exists'), { code: 6 });
    };
    await expect(ensureSearchAttributes(connection, 'default')).resolves.toBe(true);
  });

  it('warns once with the command that creates them where the operator API is not allowed (Temporal Cloud)', async () => {
    for (const on of ['list', 'add'] as const) {
      const { lines, logger } = warnings();
      await expect(ensureSearchAttributes(operator([], { code: 7, on }).connection, 'aip.a1b2c', logger)).resolves.toBe(false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(searchAttributeCommand('aip.a1b2c'));
      expect(lines[0]).toContain('Runs start without them');
    }
    expect(searchAttributeCommand('aip.a1b2c')).toBe(
      `temporal operator search-attribute create --namespace aip.a1b2c ${AIP.map((name) => `--name ${name}`).join(' ')} --type Keyword`,
    );
  });

  it('fails on anything else (Temporal unreachable, no such namespace)', async () => {
    const { lines, logger } = warnings();
    await expect(ensureSearchAttributes(operator([], { code: 14, on: 'list' }).connection, 'default', logger)).rejects.toThrow('gRPC status 14');
    expect(lines).toEqual([]);
  });
});
