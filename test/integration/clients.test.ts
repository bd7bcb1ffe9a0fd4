// The three-client suite (test/helpers/clients-suite.ts) on Docker: four containers of clients and
// server around the link's.
import { clientsSuite } from '../helpers/clients-suite.ts';

clientsSuite('docker');
