// One student cannot touch another, on the Docker backend (the same suite runs on namespaces in
// test/netns/grading/hostile.test.ts).
import { hostileSuite } from '../helpers/hostile-suite.ts';

hostileSuite('docker', null);
