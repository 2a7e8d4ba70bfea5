import { afterAll } from 'vitest';
import { removeTempFolders } from '../temp.js';

// every test file: the temp folders it made go when it ends, so a forgotten cleanup cannot leave them behind
afterAll(removeTempFolders);
