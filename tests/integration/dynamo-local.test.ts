import { describeDynamoAdapters } from './dynamo-adapters.suite.js';
import { startDynamoDbLocal } from '../support/emulators.js';

describeDynamoAdapters('DynamoDB Local', startDynamoDbLocal);
