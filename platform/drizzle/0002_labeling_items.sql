CREATE TABLE "labeling_deliveries" (
	"job_id" text NOT NULL,
	"digest" text NOT NULL,
	"items" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "labeling_deliveries_job_digest_uq" UNIQUE("job_id","digest")
);
--> statement-breakpoint
CREATE TABLE "labeling_items" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"index" integer NOT NULL,
	"path" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"split" text NOT NULL,
	"labels" jsonb,
	"prelabel" jsonb,
	"confidence" double precision,
	"source" jsonb,
	"version" integer DEFAULT 0 NOT NULL,
	"labeled_by" text,
	"labeled_at" timestamp with time zone,
	"assigned_to" text,
	"lease_until" timestamp with time zone,
	CONSTRAINT "labeling_items_job_path_uq" UNIQUE("job_id","path")
);
--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD COLUMN "run_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD COLUMN "node_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD COLUMN "workflow_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD COLUMN "task" text NOT NULL;--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD COLUMN "classes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD COLUMN "output_dataset_id" text;--> statement-breakpoint
ALTER TABLE "labeling_deliveries" ADD CONSTRAINT "labeling_deliveries_job_id_labeling_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."labeling_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "labeling_items" ADD CONSTRAINT "labeling_items_job_id_labeling_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."labeling_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "labeling_items" ADD CONSTRAINT "labeling_items_labeled_by_users_id_fk" FOREIGN KEY ("labeled_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "labeling_items" ADD CONSTRAINT "labeling_items_assigned_to_users_id_fk" FOREIGN KEY ("assigned_to") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "labeling_items_job_idx" ON "labeling_items" USING btree ("job_id","confidence");--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD CONSTRAINT "labeling_jobs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD CONSTRAINT "labeling_jobs_output_dataset_id_datasets_id_fk" FOREIGN KEY ("output_dataset_id") REFERENCES "public"."datasets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "labeling_jobs" ADD CONSTRAINT "labeling_jobs_workflow_uq" UNIQUE("workflow_id");