ALTER TABLE "datasets" ADD COLUMN "progress" jsonb;--> statement-breakpoint
ALTER TABLE "stage_runs" ADD COLUMN "timeline" jsonb DEFAULT '[]'::jsonb NOT NULL;