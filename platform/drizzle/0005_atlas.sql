CREATE TABLE "atlas_distances" (
	"model_a" text NOT NULL,
	"model_b" text NOT NULL,
	"probe_set" text NOT NULL,
	"attribution" real NOT NULL,
	"depara" real NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "atlas_distances_model_a_model_b_pk" PRIMARY KEY("model_a","model_b"),
	CONSTRAINT "atlas_distances_ordered" CHECK ("atlas_distances"."model_a" < "atlas_distances"."model_b")
);
--> statement-breakpoint
CREATE TABLE "atlas_signatures" (
	"model_id" text PRIMARY KEY NOT NULL,
	"probe_set" text NOT NULL,
	"status" text NOT NULL,
	"blob_key" text,
	"reason" text,
	"seconds" real,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "atlas_distances" ADD CONSTRAINT "atlas_distances_model_a_models_id_fk" FOREIGN KEY ("model_a") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "atlas_distances" ADD CONSTRAINT "atlas_distances_model_b_models_id_fk" FOREIGN KEY ("model_b") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "atlas_signatures" ADD CONSTRAINT "atlas_signatures_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "atlas_distances_b_idx" ON "atlas_distances" USING btree ("model_b");