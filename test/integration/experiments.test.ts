// The experiment suite (test/helpers/experiment-suite.ts) on the Docker backend; the same suite
// runs on network namespaces in the unit project.
import { experimentSuite } from '../helpers/experiment-suite.ts';

experimentSuite('docker');
