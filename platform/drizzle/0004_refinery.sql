CREATE TABLE "model_parents" (
	"model_id" text NOT NULL,
	"parent_model_id" text NOT NULL,
	"role" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "model_parents_uq" UNIQUE("model_id","parent_model_id","role")
);
--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "status" text DEFAULT 'ready' NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "format" text DEFAULT 'aip' NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "input" jsonb;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "report" jsonb;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "parameters" integer;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "name" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "dataset_id" text;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "student_arch" text;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "visibility" text DEFAULT 'private' NOT NULL;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "progress" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "progress_detail" jsonb;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "timeline" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "epochs" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "metrics" jsonb;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "log_blob" text;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "user_error" boolean;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD COLUMN "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "model_parents" ADD CONSTRAINT "model_parents_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_parents" ADD CONSTRAINT "model_parents_parent_model_id_models_id_fk" FOREIGN KEY ("parent_model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_parents_parent_idx" ON "model_parents" USING btree ("parent_model_id");--> statement-breakpoint
ALTER TABLE "refinery_tasks" ADD CONSTRAINT "refinery_tasks_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE set null ON UPDATE no action;