// socklab ui and watch on the Docker backend, where linkd is reached through `linkctl raw` in the
// link container; the same suite runs on the netns backend in test/netns/ui/live-page.test.ts.
import { liveViewSuite } from '../helpers/live-view-suite.ts';

liveViewSuite('docker', null);
