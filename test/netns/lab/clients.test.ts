// The three-client suite (test/helpers/clients-suite.ts) on network namespaces of this machine.
import { clientsSuite } from '../../helpers/clients-suite.ts';

clientsSuite('netns');
