import type { TableSection } from './types.js';

/** Mass container/image/volume removal, cluster-wide deletes, chart uninstalls. */
export const CONTAINERS: TableSection = {
  category: 'containers and clusters',
  destructive: [
    'docker rm -f $(docker ps -aq)', 'docker rm $(docker ps -a -q)', 'podman rm -f $(podman ps -aq)', 'docker container rm -f $(docker container ls -aq)',
    'docker rm -f `docker ps -aq`', 'docker system prune -a --volumes', 'docker system prune -af', 'podman system prune --all --force --volumes',
    'docker system prune', 'docker volume rm pgdata', 'docker volume rm $(docker volume ls -q)', 'docker volume prune -f', 'docker volume prune -a',
    'podman volume rm --all', 'podman volume prune', 'docker compose down -v', 'docker-compose down --volumes', 'docker compose down -v --rmi all',
    'podman-compose down -v', 'docker rmi -f $(docker images -q)', 'docker rmi -f myimage', 'docker image rm -f $(docker image ls -q)',
    'docker image prune -a -f', 'docker container prune -f', 'nerdctl rm -f $(nerdctl ps -aq)', 'sudo docker volume rm mysql-data',
    'docker ps -aq | xargs docker rm -f', 'docker compose -f prod.yml down --volumes', 'docker stack rm prod',
    'kubectl delete namespace prod', 'kubectl delete ns staging', 'kubectl delete namespaces --all', 'kubectl delete pods --all',
    'kubectl delete deployments --all -n prod', 'kubectl delete all --all', 'kubectl delete pvc --all', 'kubectl delete pv pv-data-1',
    'kubectl delete persistentvolume my-pv', 'kubectl delete crd certificates.cert-manager.io', 'kubectl delete customresourcedefinitions --all',
    'kubectl delete nodes worker-1', 'kubectl delete node --all', 'kubectl -n prod delete all --all', 'oc delete project staging',
    'kubectl delete -A pods -l app=x', 'kubectl delete secret --all', 'kubectl --context prod delete ns/payments', 'kubectl delete pods --all-namespaces --all',
    'kubectl delete persistentvolumeclaims data-db-0', 'kubectl delete namespace/monitoring', 'kubectl delete storageclass standard',
    'helm uninstall my-release', 'helm delete prod-db', 'helm uninstall -n prod api', 'helm del --purge x', 'kind delete clusters --all',
    'minikube delete --all', 'k3d cluster delete prod', 'kubectl drain node-1 --delete-emptydir-data --force',
    // Probe rows, written as a held-out check before the rules were tuned:
    "rm -rf /var/lib/docker", "docker rm -vf $(docker ps -aq)", "docker volume rm -f $(docker volume ls -q)",
    "docker system prune --all --volumes --force", "docker-compose down -v --remove-orphans", "kubectl delete namespaces prod staging",
    "kubectl delete deploy --all --all-namespaces", "kubectl delete pvc -l app=db --all", "kubectl delete crd --all",
    "helm uninstall prometheus --namespace monitoring", "docker container stop $(docker ps -q) && docker container rm $(docker ps -aq)",
    "podman pod rm -af", "kubectl delete ns $(kubectl get ns -o name)", "kubectl delete --all pods --namespace=prod", "kubectl delete namespace --all",
  ],
  benign: [
    'docker ps -a', 'docker rm my-container', 'docker rm -f web', 'docker rmi myimage:1.0', 'docker image rm old:tag', 'docker volume ls',
    'docker volume inspect pgdata', 'docker compose down', 'docker compose up -d', 'docker compose down --remove-orphans', 'docker system df', 'docker images',
    'docker logs -f web', 'docker stop web', 'docker run --rm alpine echo hi', 'docker build -t x .', 'podman ps', 'docker container ls', 'docker image prune -f',
    'docker volume create data', 'docker compose restart api', 'docker exec -it web sh', 'docker network ls', 'docker compose logs --tail 50',
    'kubectl delete pod web-1', 'kubectl delete pod -l app=web', 'kubectl delete deployment api -n staging', 'kubectl delete -f deployment.yaml',
    'kubectl delete job migrate-123', 'kubectl delete configmap app-config', 'kubectl get ns', 'kubectl get pods -A', 'kubectl describe pv pv-1',
    'kubectl get crd', 'kubectl apply -f k8s/', 'kubectl rollout restart deployment/api', 'kubectl logs -n prod api-123', 'kubectl delete svc old-svc',
    'kubectl get all --all-namespaces', 'kubectl delete pod x --grace-period=0 --force', 'kubectl get pv', 'kubectl create namespace dev',
    'kubectl scale deployment api --replicas=3', 'kubectl port-forward svc/api 8080:80', 'kubectl config use-context dev', 'kubectl get nodes -o wide',
    'helm list -A', 'helm install x chart/', 'helm upgrade --install x chart/', 'helm rollback x 2', 'helm status x', 'helm template .',
    'helm repo add bitnami https://charts.bitnami.com/bitnami', 'kind create cluster', 'minikube status', 'kubectl cordon node-1',
    // Probe rows, written as a held-out check before the rules were tuned:
    "docker rm -f test-db", "docker volume ls -q", "kubectl delete pod -n dev web-123", "helm upgrade app ./chart", "docker builder prune -f",
    "docker rm test-1", "kubectl delete pods -l job=cleanup", "helm uninstall --help",
  ],
};
