/**
 * The production-like services of a test run (`npm test` starts them): a fresh PostgreSQL database
 * and a fresh S3 bucket on SeaweedFS for one test file, and the environment every AIP process of
 * that test gets to use them with Temporal and the trainer. PGlite cannot be shared between
 * processes; these can.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through \`npm test\`, which starts the services`);
  return value;
}

/**
 * Creates the database `<name>` and the bucket `<name with - for _>`; returns the variables that
 * point AIP at them (DATABASE_URL, BLOB_URL, S3 …), at Temporal and at the trainer's Python.
 */
export async function freshServiceEnv(name: string): Promise<NodeJS.ProcessEnv> {
  const database = name.replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: requiredEnv('AIP_TEST_POSTGRES_URL') });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const databaseUrl = new URL(requiredEnv('AIP_TEST_POSTGRES_URL'));
  databaseUrl.pathname = `/${database}`;

  const bucket = name.replace(/_/g, '-');
  const s3 = new S3Client({
    endpoint: requiredEnv('AIP_TEST_S3_ENDPOINT'),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'aip', secretAccessKey: 'aip-secret' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();

  return {
    DATABASE_URL: databaseUrl.toString(),
    BLOB_URL: `s3://${bucket}`,
    S3_ENDPOINT: requiredEnv('AIP_TEST_S3_ENDPOINT'),
    AWS_ACCESS_KEY_ID: 'aip',
    AWS_SECRET_ACCESS_KEY: 'aip-secret',
    TEMPORAL_ADDRESS: requiredEnv('TEMPORAL_ADDRESS'),
    AIP_PYTHON: requiredEnv('AIP_PYTHON'),
  };
}
