{{- define "s5.labels" -}}
app.kubernetes.io/name: s5-controller
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{- define "s5.selector" -}}
app.kubernetes.io/name: s5-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
