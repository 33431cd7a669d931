// A stand-in for the hashicorp/external provider's `external` data source, for s5's opt-in
// OpenTofu tests only. The real provider cannot be fetched here (the Go module proxy refuses it
// and release downloads are unreachable), so this one implements the documented protocol the
// same way, on the terraform-plugin-framework: run `program` in `working_dir` with the `query`
// map as one JSON object on stdin; a non-zero exit fails the read with the program's stderr;
// stdout must be one JSON object of strings, which becomes `result` (stored in the state); like
// the real one, it logs the program's stdout and stderr at TRACE.
//
// scripts/build-tofu.sh installs it in a filesystem mirror (.cache/tofu-providers) under a
// version no real release uses, so it is never mistaken for the real provider.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os/exec"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	providerschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

type externalProvider struct{}

func (p *externalProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "external"
	resp.Version = "2.999.0-s5-test"
}

func (p *externalProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerschema.Schema{}
}

func (p *externalProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *externalProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (p *externalProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return &externalDataSource{} }}
}

type externalDataSource struct{}

type externalModel struct {
	Program    types.List   `tfsdk:"program"`
	Query      types.Map    `tfsdk:"query"`
	WorkingDir types.String `tfsdk:"working_dir"`
	Result     types.Map    `tfsdk:"result"`
	ID         types.String `tfsdk:"id"`
}

func (d *externalDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName
}

func (d *externalDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"program":     schema.ListAttribute{ElementType: types.StringType, Required: true},
			"query":       schema.MapAttribute{ElementType: types.StringType, Optional: true},
			"working_dir": schema.StringAttribute{Optional: true},
			"result":      schema.MapAttribute{ElementType: types.StringType, Computed: true},
			"id":          schema.StringAttribute{Computed: true},
		},
	}
}

func (d *externalDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model externalModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var program []string
	resp.Diagnostics.Append(model.Program.ElementsAs(ctx, &program, false)...)
	query := map[string]string{}
	if !model.Query.IsNull() {
		resp.Diagnostics.Append(model.Query.ElementsAs(ctx, &query, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if len(program) == 0 {
		resp.Diagnostics.AddError("External Program Missing", "program must have at least one element")
		return
	}
	input, err := json.Marshal(query)
	if err != nil {
		resp.Diagnostics.AddError("Query Handling Failed", err.Error())
		return
	}
	cmd := exec.CommandContext(ctx, program[0], program[1:]...)
	cmd.Dir = model.WorkingDir.ValueString()
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	// As the real provider (2.3.x) does: the program's stdout and stderr, whatever they hold, in
	// the provider's TRACE log, which OpenTofu shows under TF_LOG=trace.
	tflog.Trace(ctx, "Executed external program",
		map[string]interface{}{"program": cmd.String(), "output": string(output), "stderr": stderr.String()})
	if err != nil {
		resp.Diagnostics.AddError(
			"External Program Execution Failed",
			fmt.Sprintf("Program: %s\nError Message: %s\nState: %s", program[0], stderr.String(), err),
		)
		return
	}
	result := map[string]string{}
	if err := json.Unmarshal(output, &result); err != nil {
		resp.Diagnostics.AddError(
			"Unexpected External Program Results",
			fmt.Sprintf("The program must print one JSON object of strings.\n\nProgram: %s\nError: %s", program[0], err),
		)
		return
	}
	value, diags := types.MapValueFrom(ctx, types.StringType, result)
	resp.Diagnostics.Append(diags...)
	model.Result = value
	model.ID = types.StringValue("-")
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return &externalProvider{} },
		providerserver.ServeOpts{Address: "registry.opentofu.org/hashicorp/external"})
	if err != nil {
		log.Fatal(err)
	}
}
