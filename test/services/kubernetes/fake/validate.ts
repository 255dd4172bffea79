// The checks the API server makes on a Job's spec before it stores it, in its own words (field path,
// then what is wrong), for the fields the executor sets.
import type { JobObject } from './types.ts';

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

export function validateJob(job: JobObject): string | undefined {
  const spec = job.spec;
  if (!spec?.template?.spec) return 'spec.template.spec: Required value';
  const pod = spec.template.spec;
  if (!Array.isArray(pod.containers) || pod.containers.length === 0) {
    return 'spec.template.spec.containers: Required value';
  }
  const volumes = new Set<string>();
  for (const [i, volume] of (pod.volumes ?? []).entries()) {
    const field = `spec.template.spec.volumes[${i}]`;
    if (!volume.name) return `${field}.name: Required value`;
    if (volumes.has(volume.name)) return `${field}.name: Duplicate value: "${volume.name}"`;
    volumes.add(volume.name);
    if (Object.keys(volume).filter((key) => key !== 'name').length === 0) {
      return `${field}: Required value: must specify a volume type`;
    }
  }
  for (const [i, container] of pod.containers.entries()) {
    const field = `spec.template.spec.containers[${i}]`;
    if (!container.name) return `${field}.name: Required value`;
    if (!container.image) return `${field}.image: Required value`;
    for (const [kind, values] of Object.entries(container.resources ?? {})) {
      for (const [resource, quantity] of Object.entries(values ?? {})) {
        if (typeof quantity !== 'string' || !QUANTITY.test(quantity)) {
          return `${field}.resources.${kind}[${resource}]: Invalid value: "${String(quantity)}": must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`;
        }
      }
    }
    for (const [j, mount] of (container.volumeMounts ?? []).entries()) {
      if (!mount.mountPath) return `${field}.volumeMounts[${j}].mountPath: Required value`;
      if (!volumes.has(mount.name ?? ''))
        return `${field}.volumeMounts[${j}].name: Not found: "${mount.name}"`;
    }
    for (const [j, variable] of (container.env ?? []).entries()) {
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(variable.name ?? '')) {
        return `${field}.env[${j}].name: Invalid value: "${variable.name}": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit`;
      }
    }
  }
  if (pod.restartPolicy !== 'Never' && pod.restartPolicy !== 'OnFailure') {
    return `spec.template.spec.restartPolicy: Unsupported value: "${pod.restartPolicy ?? 'Always'}": supported values: "OnFailure", "Never"`;
  }
  const indexed = spec.completionMode === 'Indexed';
  if (indexed && spec.completions === undefined) {
    return 'spec.completions: Required value: when completion mode is Indexed';
  }
  if (spec.backoffLimitPerIndex !== undefined && !indexed) {
    return 'spec.backoffLimitPerIndex: Forbidden: requires indexed completion mode';
  }
  if (spec.podFailurePolicy) {
    if (pod.restartPolicy !== 'Never') {
      return `spec.template.spec.restartPolicy: Invalid value: "${pod.restartPolicy}": only "Never" is supported when podFailurePolicy is specified`;
    }
    for (const [i, rule] of spec.podFailurePolicy.rules.entries()) {
      if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) {
        return `spec.podFailurePolicy.rules[${i}].action: Forbidden: requires the backoffLimitPerIndex to be set`;
      }
      if (rule.onExitCodes?.values.includes(0) && rule.onExitCodes.operator === 'In') {
        return `spec.podFailurePolicy.rules[${i}].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator`;
      }
    }
  }
  for (const key of ['activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'backoffLimit'] as const) {
    const value = spec[key];
    if (
      value !== undefined &&
      (!Number.isInteger(value) || value < 0 || (key === 'activeDeadlineSeconds' && value === 0))
    ) {
      return `spec.${key}: Invalid value: ${value}: must be greater than or equal to ${key === 'activeDeadlineSeconds' ? 1 : 0}`;
    }
  }
  return undefined;
}
