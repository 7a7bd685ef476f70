/**
 * cdk-nag's AwsSolutions rules on the real TributaryStack, in the default
 * configuration and in every configuration that turns a check on or off.
 * cdk-nag 3 is a CDK validation plugin: findings are not annotations, they
 * fail `app.synth()` (errors) and are written to the assembly's
 * validation-report.json (errors and warnings). Acknowledgements live in
 * lib/nag.ts, each with its reason; this test also fails on one that no
 * longer matches a finding.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RemovalPolicy, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REPO_ROOT } from '../../lib/functions';
import { TributaryStack, type TributaryStackProps } from '../../lib/tributary-stack';
import { CDK_CONTEXT, newApp } from './template';

/** The configurations that change what the rules see. */
const CONFIGURATIONS: Record<string, TributaryStackProps> = {
  'the default configuration': {},
  'a LocalStack stack (DESTROY, path-style S3, function-side auth)': {
    removalPolicy: RemovalPolicy.DESTROY,
    functionEnvironment: { TRIBUTARY_S3_FORCE_PATH_STYLE: '1' },
    authMode: 'function',
  },
  'logging on without the account CloudWatch role (managed elsewhere)': {
    apiGatewayCloudWatchRole: false,
  },
  'logging off, X-Ray and the account CloudWatch role on': {
    accessLogging: false,
    executionLogging: false,
    tracing: true,
    apiGatewayCloudWatchRole: true,
  },
  'live notifications off (LocalStack free tiers)': { liveNotifications: false },
  'a WAF web ACL and a custom archive interval': {
    webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/tributary/0b1c2d3e',
    archiveIntervalMinutes: 1,
  },
  'push subscriptions allowed to invoke functions by ARN pattern': {
    subscriptionFunctionArns: ['arn:aws:lambda:eu-west-1:123456789012:function:hooks-*'],
  },
};

interface Finding {
  readonly rule: string;
  readonly path: string;
}

/** What the pack reports on the app, one line per rule and resource. */
function findings(app: App, options: { ignoreAcknowledgements?: boolean } = {}): Finding[] {
  const pack = new AwsSolutionsChecks();
  if (options.ignoreAcknowledgements) {
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  }
  return pack
    .validateScope(app)
    .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '?' })));
}

/** Every acknowledgement recorded in the construct tree: rule id, where, why. */
function acknowledgements(app: App): { id: string; path: string; reason: string }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          path: construct.node.path,
          reason,
        })),
      ),
  );
}

describe.each(Object.entries(CONFIGURATIONS))('cdk-nag AwsSolutions on %s', (_name, props) => {
  const app = newApp();
  new TributaryStack(app, 'Tributary', props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let assemblyDir = '';

  it('lets synthesis succeed with no violation in the validation report', () => {
    assemblyDir = app.synth().directory; // throws on any unacknowledged error
    const report = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports as { pluginName: string; violations: unknown[] }[]).flatMap((r) => r.violations);
    expect(violations).toEqual([]);
  });

  it('reports no unacknowledged error or warning', () => {
    expect(findings(app)).toEqual([]);
  });

  it('acknowledges only findings that exist, on the construct holding them, each with a specific reason', () => {
    const raw = findings(app, { ignoreAcknowledgements: true });
    const acks = acknowledgements(app).filter((ack) => ack.id.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const covered = raw.filter((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect([ack.id, ack.path, covered.length > 0]).toEqual([ack.id, ack.path, true]);
      expect(ack.reason.length).toBeGreaterThan(80);
    }
  });
});

describe('the CDK app (bin/app.ts)', () => {
  it('runs the AwsSolutions checks itself and reads the archive interval from the context', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-synth-'));
    try {
      const context = { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], 'tributary:archiveIntervalMinutes': '10' };
      const run = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
        encoding: 'utf8',
        // A synth takes ~5 s alone, but over a minute on 2 loaded cores; the child is killed (143) at this bound.
        timeout: 170_000,
      });
      expect([run.status, run.stderr]).toEqual([0, expect.any(String)]);
      const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
      expect(report.pluginReports.flatMap((r: { violations: unknown[] }) => r.violations)).toEqual([]);
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Tributary.template.json'), 'utf8'));
      const rules = Object.values(template.Resources as Record<string, { Type: string; Properties: any }>).filter(
        (r) => r.Type === 'AWS::Events::Rule',
      );
      // The archiver's interval from the context; the dispatcher's retry sweep keeps its minute.
      expect(rules.map((r) => r.Properties.ScheduleExpression).sort()).toEqual(['rate(1 minute)', 'rate(10 minutes)']);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 180_000);
});
