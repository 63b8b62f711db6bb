/**
 * Kubernetes output: how resolved numbers reach a real cluster. Requests equal limits
 * (Guaranteed QoS; Kubernetes requires it for GPUs anyway).
 */
import type { Resources } from '../core/units.js';
import { checkRequest } from './node.js';
import type { NodePool } from './catalog.js';

/** Kubernetes quantity strings, e.g. `{ cpu: '3', memory: '8Gi' }`. */
export type KubernetesQuantities = Record<string, string>;

/** A container's `resources` field. */
export interface KubernetesResources {
  requests: KubernetesQuantities;
  limits: KubernetesQuantities;
}

/** A toleration of a pod spec. */
export interface KubernetesToleration {
  key: string;
  operator: 'Exists' | 'Equal';
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The part of a pod spec that carries resources and placement. */
export interface PodSpecFragment {
  nodeSelector?: Record<string, string>;
  tolerations?: KubernetesToleration[];
  containers: { name: string; resources: KubernetesResources }[];
}

/** GPU resource name for NVIDIA devices (the device plugin's). */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';

/**
 * Container resources for `resources`: `cpu` in cores, `memory` and `ephemeral-storage` in
 * `Gi`, `nvidia.com/gpu` when GPUs are requested. Zero storage is left out.
 */
export function toKubernetesResources(resources: Resources): KubernetesResources {
  const r = checkRequest(resources);
  const quantities: KubernetesQuantities = { cpu: String(r.cpu), memory: `${r.memory}Gi` };
  if (r.storage > 0) quantities['ephemeral-storage'] = `${r.storage}Gi`;
  if (r.gpu > 0) quantities[NVIDIA_GPU_RESOURCE] = String(r.gpu);
  return { requests: { ...quantities }, limits: { ...quantities } };
}

/**
 * A pod spec fragment for one container: its resources, plus the node selector of `pool`
 * and, for GPU requests, the toleration GPU node pools are usually tainted with.
 */
export function toPodSpecFragment(resources: Resources, options: { pool?: NodePool; containerName?: string } = {}): PodSpecFragment {
  const fragment: PodSpecFragment = {
    containers: [{ name: options.containerName ?? 'task', resources: toKubernetesResources(resources) }],
  };
  if (options.pool) fragment.nodeSelector = { ...(options.pool.labels ?? { 'taskres.dev/pool': options.pool.name }) };
  if (resources.gpu > 0) {
    fragment.tolerations = [{ key: NVIDIA_GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }];
    if (resources.gpuType) fragment.nodeSelector = { ...fragment.nodeSelector, 'taskres.dev/gpu-type': resources.gpuType };
  }
  return fragment;
}
