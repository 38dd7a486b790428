import { describeGeneralStateTests } from './generalStateTests.ts'

describeGeneralStateTests(1, 2, 'parallel')
