import { homedir } from 'node:os';
import { delimiter } from 'node:path';
import type { KubernetesEnvironment } from '../core/rollout/model.js';
import type { Env } from './types.js';

/**
 * Where the Kubernetes routers find credentials: KUBECONFIG's files, else ~/.kube/config, else
 * (KUBERNETES_SERVICE_HOST set, in a pod) the service account. Read here so core and clients
 * never read the env.
 */
export function kubernetesEnvironment(env: Env = process.env): KubernetesEnvironment {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return {
    kubeconfigFiles: files,
    ...(host !== ''
      ? { inClusterServer: `https://${host.includes(':') ? `[${host}]` : host}:${port}` }
      : {}),
    home: homedir(),
  };
}
