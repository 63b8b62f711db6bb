export {
  TaskresError,
  ERROR_CODES,
  isTaskresError,
  hasErrorCode,
  type TaskresErrorCode,
  type ResourceName,
  type TaskresErrorContext,
} from './core/errors.js';
export {
  RESOURCE_NAMES,
  DEFAULT_LIMITS,
  DEFAULT_STORAGE_GIB,
  RESOURCE_UNITS,
  defaultedResources,
  type Resources,
  type ResourceLimits,
  type Range,
} from './core/units.js';
export { TaskFile, isTaskFile, type TaskFileOptions } from './definition/task-file.js';
export {
  PRESETS,
  A10G,
  smallTask,
  mediumTask,
  largeTask,
  smallGpuTask,
  largeGpuTask,
  type Preset,
  type PresetName,
} from './definition/presets.js';
export { customTask } from './definition/custom-task.js';
export { defineTask, checkTaskSpec, DEFAULT_MAX_SOURCE_CHARS, type DefineTaskOptions } from './definition/define-task.js';
export { taskNameOf, type TaskWrapper } from './definition/wrap.js';
export type {
  Task,
  TaskInfo,
  TaskSpec,
  TaskResources,
  TaskResourcesInput,
  ResourceFunction,
  ResourceValue,
  SandboxFile,
  TaskArgs,
} from './definition/task.js';
export { createResolver, type Resolver, type ResolveRequest, type ResolveCallOptions, type ResolveOutcome } from './resolver/resolver.js';
export type { ResolverOptions, ClampWarning, HintChannel } from './resolver/options.js';
export { Allocator, type AllocatorOptions, type PlaceOptions } from './allocator/allocator.js';
export type { NodeSpec, NodeSnapshot, Placement, Capacity } from './allocator/node.js';
export type { PlacementPolicy } from './allocator/policy.js';
export { DEFAULT_NODE_POOLS, cheapestPool, poolFits, nodesFromPools, type NodePool } from './allocator/catalog.js';
export {
  toKubernetesResources,
  toPodSpecFragment,
  NVIDIA_GPU_RESOURCE,
  type KubernetesResources,
  type KubernetesQuantities,
  type KubernetesToleration,
  type PodSpecFragment,
} from './allocator/kubernetes.js';
export { RETRY_CONTEXT_SCHEMA, PREVIOUS_ATTEMPT_SCHEMA, type RetryContext, type PreviousAttempt } from './resolver/retry.js';
export { FAILURE_REASONS, type FailureReason, type RetryPolicy, type ResourceRetryPolicy } from './definition/retry-policy.js';
export { failureFromPod, type PodFailure } from './allocator/failure-from-pod.js';
