import { describeDynamoAdapters } from './dynamo-adapters.suite.js';
import { startInMemoryDynalite } from '../support/emulators.js';

describeDynamoAdapters('dynalite', startInMemoryDynalite);
