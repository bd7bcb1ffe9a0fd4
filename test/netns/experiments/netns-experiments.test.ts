// The experiment suite (test/helpers/experiment-suite.ts) on the netns backend: the same tests as
// on Docker, on network namespaces of this machine, with no Docker engine (root, iproute2).
import { experimentSuite } from '../../helpers/experiment-suite.ts';

experimentSuite('netns');
