import type { TableSection } from './types.js';

/** Cloud CLIs deleting resources, and infrastructure-as-code tearing stacks down. */
export const CLOUD: TableSection = {
  category: 'cloud and IaC',
  destructive: [
    'aws s3 rb s3://my-bucket --force', 'aws s3 rb s3://b', 'aws s3 rm s3://bucket --recursive', 'aws s3 rm s3://bucket/ --recursive --exclude x',
    'aws s3api delete-bucket --bucket b', 'aws ec2 terminate-instances --instance-ids i-123', 'aws rds delete-db-instance --db-instance-identifier prod --skip-final-snapshot',
    'aws rds delete-db-cluster --db-cluster-identifier c', 'aws dynamodb delete-table --table-name Users', 'aws cloudformation delete-stack --stack-name prod',
    'aws lambda delete-function --function-name f', 'aws eks delete-cluster --name prod', 'aws iam delete-user --user-name bob',
    'aws ecr delete-repository --repository-name x --force', 'aws logs delete-log-group --log-group-name x', 'aws --profile prod s3 rm s3://data --recursive',
    'aws efs delete-file-system --file-system-id fs-1', 'aws ec2 delete-volume --volume-id v-1', 'aws kms schedule-key-deletion --key-id x',
    'aws secretsmanager delete-secret --secret-id x --force-delete-without-recovery', 'aws route53 delete-hosted-zone --id Z', 'aws sqs purge-queue --queue-url x',
    'gcloud compute instances delete vm-1 --zone us-east1-b', 'gcloud projects delete my-project', 'gcloud sql instances delete prod-db',
    'gcloud container clusters delete prod', 'gcloud storage rm -r gs://bucket', 'gcloud storage rm --recursive gs://bucket/**', 'gcloud storage buckets delete gs://b',
    'gcloud functions delete f', 'gcloud run services delete api', 'gsutil rm -r gs://bucket', 'gsutil -m rm -r gs://bucket/*', 'gsutil rb gs://bucket',
    'gsutil rm -a gs://b/**', 'az group delete --name prod-rg --yes', 'az group delete -n rg -y', 'az vm delete -g rg -n vm', 'az storage account delete -n sa',
    'az aks delete -g rg -n aks', 'az sql db delete -g rg -s srv -n db', 'az storage blob delete-batch -s container', 'az keyvault purge -n kv',
    'az cosmosdb delete -g rg -n db', 'terraform destroy', 'terraform destroy -auto-approve', 'terraform apply -destroy', 'terraform apply -destroy -auto-approve',
    'terraform state rm aws_instance.web', 'terraform -chdir=infra destroy', 'tofu destroy', 'terragrunt destroy', 'terragrunt run-all destroy',
    'terraform workspace delete prod', 'pulumi destroy --yes', 'pulumi destroy -s prod', 'pulumi stack rm prod --force', 'cdk destroy --all --force',
    'cdk destroy MyStack', 'cdktf destroy', 'serverless remove --stage prod', 'sls remove', 'sam delete --stack-name x', 'doctl compute droplet delete web-1',
    'doctl databases delete db-id', 'heroku apps:destroy --app x --confirm x', 'flyctl apps destroy myapp', 'fly destroy x -y', 'eksctl delete cluster --name prod',
    'npx cdk destroy --force', 'AWS_PROFILE=prod terraform destroy -auto-approve', 'aws s3 rm --recursive s3://logs/2024/',
  ],
  benign: [
    'aws s3 ls s3://bucket', 'aws s3 cp file s3://bucket/', 'aws s3 sync dist/ s3://site --delete', 'aws s3 rm s3://bucket/old-file.txt',
    'aws ec2 describe-instances', 'aws sts get-caller-identity', 'aws s3 mb s3://new-bucket', 'aws rds describe-db-instances', 'aws dynamodb scan --table-name Users',
    'aws cloudformation deploy --template-file t.yml --stack-name s', 'aws logs tail /aws/lambda/f', 'aws configure list', 'aws ecr get-login-password',
    'gcloud compute instances list', 'gcloud config set project x', 'gcloud auth login', 'gcloud storage ls gs://b', 'gcloud storage cp x gs://b/',
    'gsutil ls gs://bucket', 'gsutil cp file gs://bucket/', 'gsutil rm gs://bucket/one-file.txt', 'az group list', 'az vm list -o table', 'az login',
    'az storage blob list -c x', 'az account show', 'terraform plan', 'terraform plan -destroy', 'terraform apply', 'terraform apply -auto-approve',
    'terraform init', 'terraform state list', 'terraform state show aws_instance.web', 'terraform fmt', 'terraform validate', 'tofu plan', 'pulumi preview',
    'pulumi up --yes', 'pulumi stack ls', 'cdk diff', 'cdk deploy', 'cdk synth', 'serverless deploy', 'sam deploy', 'doctl compute droplet list',
    'heroku logs --tail', 'flyctl status', 'eksctl get clusters', 'terraform output -json', 'gcloud run deploy api --source .', 'terragrunt plan',
    'aws s3 presign s3://b/k', 'az deployment group create -g rg -f main.bicep', 'gcloud compute ssh vm-1', 'terraform import aws_s3_bucket.b b',
  ],
};
