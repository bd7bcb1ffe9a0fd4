// One student cannot touch another, on the netns backend (the same suite runs on Docker in
// test/integration/hostile.test.ts).
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { hostileSuite } from '../../helpers/hostile-suite.ts';

hostileSuite('netns', await netnsUnavailable());
