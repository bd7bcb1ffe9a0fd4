// socklab ui and watch on the netns backend (root, no Docker); the same suite runs on Docker in
// test/integration/live-view.test.ts.
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { liveViewSuite } from '../../helpers/live-view-suite.ts';

liveViewSuite('netns', await netnsUnavailable());
