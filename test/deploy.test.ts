/**
 * The deployment files, checked without Docker or a cluster (this machine has neither):
 * every Kubernetes manifest against the Kubernetes OpenAPI schemas (kubernetes-models' ajv
 * validators) and, for unknown fields, against the same API's TypeScript types; the security
 * settings one by one; the references between manifests; and the Dockerfile's stages, user,
 * entrypoint and every file it copies.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { checkTaskSpec } from '../dist/index.js';

const ROOT = new URL('..', import.meta.url).pathname;
const KUBE = join(ROOT, 'deploy/kubernetes');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; scripts: Record<string, string> };

type Manifest = Record<string, any>;
interface Found {
  file: string;
  manifest: Manifest;
}

/** Each kind the manifests may use: its validating model and the TypeScript type of the same API version. */
const MODELS: Record<string, { model: new (data: any) => { validate(): void }; type: [module: string, name: string] }> = {
  'apps/v1 Deployment': { model: Deployment, type: ['kubernetes-models/apps/v1/Deployment', 'IDeployment'] },
  'v1 Service': { model: Service, type: ['kubernetes-models/v1/Service', 'IService'] },
  'v1 ConfigMap': { model: ConfigMap, type: ['kubernetes-models/v1/ConfigMap', 'IConfigMap'] },
  'autoscaling/v2 HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler, type: ['kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', 'IHorizontalPodAutoscaler'] },
  'policy/v1 PodDisruptionBudget': { model: PodDisruptionBudget, type: ['kubernetes-models/policy/v1/PodDisruptionBudget', 'IPodDisruptionBudget'] },
  'networking.k8s.io/v1 NetworkPolicy': { model: NetworkPolicy, type: ['kubernetes-models/networking.k8s.io/v1/NetworkPolicy', 'INetworkPolicy'] },
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Every YAML document of a file, failing on any YAML error or warning (duplicate keys included). */
function parseYaml(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
  return documents.map((document) => {
    expect(document.errors.map(String), relative(ROOT, file)).toEqual([]);
    expect(document.warnings.map(String), relative(ROOT, file)).toEqual([]);
    return document.toJS() as Manifest;
  });
}

const files = yamlFiles(KUBE);
const kustomizations = files.filter((file) => /kustomization\.ya?ml$/.test(file));
const manifests: Found[] = files.filter((file) => !kustomizations.includes(file)).flatMap((file) => parseYaml(file).map((manifest) => ({ file, manifest })));

function only(kind: string): Manifest {
  const matching = manifests.filter((found) => found.manifest.kind === kind);
  expect(matching, kind).toHaveLength(1);
  return matching[0]!.manifest;
}

/** A JSON patch's `add`/`replace` operations, as kustomize applies them to one object. */
function applyPatch(target: Manifest, operations: { op: string; path: string; value: unknown }[]): Manifest {
  const copy = structuredClone(target);
  for (const { op, path, value } of operations) {
    const keys = path.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let parent: any = copy;
    for (const key of keys) {
      parent = parent[key];
      expect(parent, `${path} leads to an existing object`).toBeDefined();
    }
    expect(['add', 'replace'], `patch op ${op}`).toContain(op);
    if (Array.isArray(parent) && last === '-') parent.push(value);
    else {
      if (op === 'replace') expect(parent[last], `${path} exists`).toBeDefined();
      parent[last] = value;
    }
  }
  return copy;
}

/** Validates one object with its kubernetes-models model; returns the error messages. */
function schemaErrors(manifest: Manifest): string[] {
  const entry = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!entry) return [`no schema for ${manifest.apiVersion} ${manifest.kind}: add it to MODELS`];
  try {
    new entry.model(manifest).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * The OpenAPI schemas let unknown fields through (the API server rejects them under kubectl's
 * default strict field validation): a typo like `readOnlyRootFileSystem` would pass them and fail
 * to apply, or worse be dropped. TypeScript's excess-property check on the same API types
 * catches every unknown field at any depth.
 */
function unknownFieldErrors(objects: Manifest[]): string[] {
  const file = join(ROOT, '__deploy_manifests__.ts');
  const lines = objects.flatMap((manifest, i) => {
    const [module, name] = MODELS[`${manifest.apiVersion} ${manifest.kind}`]!.type;
    return [`import type { ${name} as T${i} } from '${module}';`, `export const m${i}: T${i} = ${JSON.stringify(manifest)};`];
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${objects[Math.floor((d.start ? source.slice(0, d.start).split('\n').length - 1 : 0) / 2)]?.kind ?? '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

function taskres(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/taskres.js'), ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

/** A byte quantity (`512Mi`, `1Gi`) in bytes; a CPU quantity (`500m`, `"2"`) in millicores. */
function bytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  expect(match, `quantity ${quantity}`).not.toBeNull();
  return Number(match![1]) * { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, '': 1 }[match![2] ?? '']!;
}
function millicores(quantity: string | number): number {
  const text = String(quantity);
  return text.endsWith('m') ? Number(text.slice(0, -1)) : Number(text) * 1000;
}

describe('Kubernetes manifests', () => {
  it('are all found and parse as YAML', () => {
    expect(manifests.map((found) => found.manifest.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
  });

  it('every manifest validates against the Kubernetes OpenAPI schema of its kind', () => {
    for (const { file, manifest } of manifests) expect(schemaErrors(manifest), `${relative(ROOT, file)} (${manifest.kind})`).toEqual([]);
  });

  it('no manifest has a field the Kubernetes API does not know (the strict check kubectl applies)', () => {
    expect(unknownFieldErrors(manifests.map((found) => found.manifest))).toEqual([]);
  });

  it('the validators are not vacuous: they reject a wrong type, a missing field and an unknown field', () => {
    const deployment = only('Deployment');
    const wrongType = structuredClone(deployment);
    wrongType.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(schemaErrors(wrongType).join()).toContain('containerPort must be integer');
    const badQuantity = structuredClone(deployment);
    badQuantity.spec.template.spec.containers[0].resources.limits.memory = 'a lot';
    expect(schemaErrors(badQuantity).join()).toContain('memory');
    const missing = structuredClone(deployment);
    delete missing.spec.template.spec.containers;
    expect(schemaErrors(missing).join()).toContain('required property containers');
    const typo = structuredClone(deployment);
    typo.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    expect(unknownFieldErrors([typo]).join()).toContain('readOnlyRootFileSystem');
  });

  it('kustomization.yaml lists every manifest of its folder, and the with-token overlay applies and validates', () => {
    const [base] = parseYaml(join(KUBE, 'kustomization.yaml'));
    const local = readdirSync(KUBE).filter((name) => /\.ya?ml$/.test(name) && !/kustomization/.test(name));
    expect([...base!.resources].sort()).toEqual(local.sort());
    expect(base!.images).toEqual([{ name: 'taskres', newTag: pkg.version }]);

    const [overlay] = parseYaml(join(KUBE, 'with-token/kustomization.yaml'));
    expect(overlay!.resources).toEqual(['..']);
    expect(overlay!.patches).toHaveLength(1);
    const patch = overlay!.patches[0];
    expect(patch.target).toMatchObject({ kind: 'Deployment', name: 'taskres' });
    const patched = applyPatch(only('Deployment'), parseAllDocuments(patch.patch)[0]!.toJS());
    expect(schemaErrors(patched)).toEqual([]);
    expect(unknownFieldErrors([patched])).toEqual([]);
    const pod = patched.spec.template.spec;
    const args: string[] = pod.containers[0].args;
    const tokenFile = args[args.indexOf('--token-file') + 1]!;
    const mount = pod.containers[0].volumeMounts.find((m: Manifest) => tokenFile.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: Manifest) => v.name === mount.name);
    expect(volume.secret).toMatchObject({ secretName: 'taskres-token', optional: false });
    expect(mount.readOnly).toBe(true);
  });
});

describe('the Deployment', () => {
  const deployment = only('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it('runs one container as a non-root user (UID 1000), with no privilege to gain and no capability', () => {
    expect(pod.containers).toHaveLength(1);
    expect(pod.initContainers).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext.capabilities.add).toBeUndefined();
    expect(container.securityContext.privileged).not.toBe(true);
    for (const hostAccess of ['hostNetwork', 'hostPID', 'hostIPC']) expect(pod[hostAccess]).not.toBe(true);
  });

  it('mounts no service-account token, and no host path', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes.filter((v: Manifest) => v.hostPath)).toEqual([]);
  });

  it('has a writable /tmp (an emptyDir) under its read-only root filesystem, and only that', () => {
    const writable = container.volumeMounts.filter((m: Manifest) => m.readOnly !== true);
    expect(writable.map((m: Manifest) => m.mountPath)).toEqual(['/tmp']);
    expect(pod.volumes.find((v: Manifest) => v.name === writable[0].name).emptyDir).toBeDefined();
  });

  it('probes readiness on /readyz and liveness on /healthz, on its HTTP port', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  it('requests and limits cpu and memory, each request within its limit, threads within the CPU limit', () => {
    const { requests, limits } = container.resources;
    for (const resource of ['cpu', 'memory']) {
      expect(requests[resource], `requests.${resource}`).toBeDefined();
      expect(limits[resource], `limits.${resource}`).toBeDefined();
    }
    expect(millicores(requests.cpu)).toBeLessThanOrEqual(millicores(limits.cpu));
    expect(bytes(requests.memory)).toBeLessThanOrEqual(bytes(limits.memory));
    const threads = Number(container.args[container.args.indexOf('--threads') + 1]);
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(threads * 1000).toBeLessThanOrEqual(millicores(limits.cpu));
  });

  it('gives SIGTERM time to drain: the grace period outlasts preStop plus the default request timeout (30 s)', () => {
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command[0]).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + 30 + 5);
  });

  it('loads --tasks from the ConfigMap, whose tasks are the seed tasks and pass every definition check', () => {
    const path: string = container.args[container.args.indexOf('--tasks') + 1];
    const mount = container.volumeMounts.find((m: Manifest) => path.startsWith(`${m.mountPath}/`));
    expect(mount, `a volume mounted at ${path}`).toBeDefined();
    const volume = pod.volumes.find((v: Manifest) => v.name === mount.name);
    const configMap = only('ConfigMap');
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    const key = path.slice(mount.mountPath.length + 1);
    const tasks = JSON.parse(configMap.data[key]);
    expect(tasks).toEqual(JSON.parse(readFileSync(join(ROOT, 'examples/seed-tasks.json'), 'utf8')));
    for (const spec of tasks) expect(checkTaskSpec(spec), spec.name).toEqual([]);
  });

  it('takes the optional bearer token from a Secret, mounted read-only', () => {
    const volume = pod.volumes.find((v: Manifest) => v.secret);
    expect(volume.secret).toMatchObject({ secretName: 'taskres-token', optional: true });
    expect(container.volumeMounts.find((m: Manifest) => m.name === volume.name).readOnly).toBe(true);
  });

  it('runs the image of this version, never :latest', () => {
    expect(container.image).toBe(`taskres:${pkg.version}`);
  });
});

describe('the Service, autoscaler, disruption budget and network policy', () => {
  const deployment = only('Deployment');
  const labels = deployment.spec.template.metadata.labels;
  const matches = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);

  it('all select the Deployment’s pods, and the Deployment’s selector matches its own template', () => {
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    expect(matches(only('Service').spec.selector)).toBe(true);
    expect(matches(only('PodDisruptionBudget').spec.selector.matchLabels)).toBe(true);
    expect(matches(only('NetworkPolicy').spec.podSelector.matchLabels)).toBe(true);
  });

  it('the Service sends to the container’s named HTTP port', () => {
    expect(only('Service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('the autoscaler (autoscaling/v2) scales the Deployment on CPU utilization, from at least 2 replicas', () => {
    const hpa = only('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
  });

  it('the disruption budget keeps a replica while the autoscaler keeps two or more', () => {
    expect(only('PodDisruptionBudget').spec.minAvailable).toBeLessThan(only('HorizontalPodAutoscaler').spec.minReplicas);
  });

  it('the network policy admits only the HTTP port and allows no egress', () => {
    const policy = only('NetworkPolicy');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(policy.spec.egress).toEqual([]);
  });
});

/** The Dockerfile's instructions: comments dropped, continuation lines joined. */
function dockerInstructions(): { instruction: string; args: string }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [instruction, ...rest] = line.split(/\s+/);
      return { instruction: instruction!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The Dockerfile, stage by stage: the FROM line then the stage's instructions. */
function dockerStages(): { from: string; name: string | undefined; steps: { instruction: string; args: string }[] }[] {
  const stages: ReturnType<typeof dockerStages> = [];
  for (const step of dockerInstructions()) {
    if (step.instruction === 'FROM') {
      const [image, as, name] = step.args.split(/\s+/);
      stages.push({ from: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, steps: [] });
    } else stages.at(-1)?.steps.push(step);
  }
  return stages;
}

/** Whether .dockerignore leaves `path` in the build context (last matching rule wins; a rule on a folder covers what is under it). */
function inContext(path: string): boolean {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern.split('**').map((part) => part.split('*').map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*');
      return { negated, regex: new RegExp(`^${source.replace(/^\.\*\//, '(.*/)?')}(/.*)?$`) };
    });
  let included = true;
  for (const rule of rules) if (rule.regex.test(path)) included = rule.negated;
  return included;
}

describe('Dockerfile', () => {
  const stages = dockerStages();
  const [build, runtime] = [stages[0]!, stages.at(-1)!];
  const args = (stage: (typeof stages)[number], instruction: string) => stage.steps.filter((s) => s.instruction === instruction).map((s) => s.args);
  const baseImage = /ARG NODE_IMAGE=(\S+)/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];

  it('has a build stage and a runtime stage on the same Node image, pinned to a full version tag that engines allows', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(stages.map((s) => s.from)).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
    const tag = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/.exec(baseImage ?? '');
    expect(tag, `base image ${baseImage}`).not.toBeNull();
    const [major, minor] = [Number(tag![1]), Number(tag![2])];
    expect(major).toBe(24);
    const range = pkg.engines.node.split('||').map((part) => /\^(\d+)\.(\d+)\.\d+/.exec(part.trim())!).find((m) => Number(m[1]) === major);
    expect(range, `engines ${pkg.engines.node} covers Node ${major}`).toBeDefined();
    expect(minor).toBeGreaterThanOrEqual(Number(range![2]));
  });

  it('builds with the C++ toolchain and dev dependencies, then prunes them (npm ci --omit=dev semantics)', () => {
    const runs = args(build, 'RUN').join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*\bpython3\b/);
    expect(runs).toMatch(/apt-get install[^\n]*\bmake\b/);
    expect(runs).toMatch(/apt-get install[^\n]*\bg\+\+/);
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/npm run build/);
    expect(runs).toMatch(/npm prune --omit=dev/);
    expect(runs).toMatch(/bin\/taskres\.js doctor/);
    // The runtime stage installs nothing: no toolchain, no npm run, only what the build stage made.
    expect(args(runtime, 'RUN')).toEqual([]);
    // Lifecycle scripts that npm runs on install would run (and need dev dependencies) at an
    // `npm ci --omit=dev`. `prepare` is allowed because it builds only where the sources and tsup
    // are present and otherwise exits 0 (test/package.test.ts runs it where tsup is absent).
    for (const script of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts[script], script).toBeUndefined();
  });

  it('runs as the non-root user 1000, exposes 8080 and starts `taskres serve` on every interface', () => {
    expect(args(runtime, 'USER')).toEqual(['1000:1000']);
    const last = runtime.steps.findLastIndex((s) => s.instruction === 'COPY' || s.instruction === 'RUN');
    expect(runtime.steps.findIndex((s) => s.instruction === 'USER')).toBeGreaterThan(last);
    expect(args(runtime, 'EXPOSE')).toEqual(['8080']);
    expect(JSON.parse(args(runtime, 'ENTRYPOINT')[0]!)).toEqual(['node', 'bin/taskres.js', 'serve', '--host', '0.0.0.0', '--port', '8080']);
    const cmd = JSON.parse(args(runtime, 'CMD')[0]!) as string[];
    expect(cmd[0]).toBe('--tasks');
    expect(existsSync(join(ROOT, cmd[1]!)), cmd[1]).toBe(true);
    expect(args(runtime, 'HEALTHCHECK')[0]).toContain('/healthz');
  });

  it('the command it starts exists: `taskres serve` takes --host, --port and --tasks', async () => {
    const { code, stdout } = await taskres('serve', '--help');
    expect(code).toBe(0);
    for (const option of ['--host', '--port', '--tasks']) expect(stdout).toContain(`  ${option}`);
  });

  it('copies only files that exist in the repository, that .dockerignore lets through, and build outputs', () => {
    const context = args(build, 'COPY').flatMap((line) => line.split(/\s+/).slice(0, -1));
    expect(context.length).toBeGreaterThan(0);
    for (const source of context) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      expect(inContext(source), `${source} is in the build context`).toBe(true);
    }
    for (const excluded of ['node_modules', 'dist', '.git', 'test', 'bench/results', 'x/.env']) expect(inContext(excluded), excluded).toBe(false);
    // What the build stage made: its copies, node_modules (npm ci) and dist (tsup's default output).
    const made = new Set([...context.map((source) => `/app/${source.replace(/^\.\//, '')}`), '/app/node_modules', '/app/dist']);
    const fromBuild = args(runtime, 'COPY').map((line) => line.split(/\s+/));
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const [flag, source] of fromBuild) {
      expect(flag).toBe('--from=build');
      expect(made.has(source!), `${source} is made by the build stage`).toBe(true);
    }
    // The local build the tests run made the same outputs the image copies.
    for (const output of ['dist/cli.js', 'dist/index.js', 'dist/sandbox-process.js', 'dist/sandbox-worker.js']) expect(existsSync(join(ROOT, output)), output).toBe(true);
  });
});
