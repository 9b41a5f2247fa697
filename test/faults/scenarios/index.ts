/** The scenarios, most valuable first; names are what `--only` takes. */
import type { Row, SuiteContext } from '../harness.ts';
import { burst } from './burst.ts';
import { apiserverRestart, informersLeaderKill } from './informers.ts';
import { malformed } from './malformed.ts';
import { baseline, collectorDown, consumerKill, etcdRestart, redisRestart } from './outages.ts';
import { slowloris } from './slowloris.ts';

export interface Scenario {
  name: string;
  title: string;
  run(ctx: SuiteContext): Promise<Row>;
}

export const scenarios: Scenario[] = [
  { name: 'baseline', title: 'no fault (control)', run: baseline },
  { name: 'consumer-kill', title: 'consumer SIGKILL mid-load, restarted', run: consumerKill },
  { name: 'collector-down', title: 'Jaeger collector unreachable, then back', run: collectorDown },
  { name: 'etcd-restart', title: 'span-cache etcd SIGKILL + restart', run: etcdRestart },
  { name: 'redis-restart', title: 'span-cache Redis SIGKILL + restart', run: redisRestart },
  { name: 'informers-leader-kill', title: 'Event/diff controller leader SIGKILL mid-load', run: informersLeaderKill },
  { name: 'apiserver-restart', title: 'kube-apiserver restart (watches resume)', run: apiserverRestart },
  { name: 'burst', title: '10x burst over capacity (429, resent)', run: burst },
  { name: 'malformed', title: 'malformed/oversized input on every listener', run: malformed },
  { name: 'slowloris', title: 'slow clients holding connections', run: slowloris },
];
