import { describeGeneralStateTests } from './generalStateTests.ts'

describeGeneralStateTests(0, 2, 'parallel')
